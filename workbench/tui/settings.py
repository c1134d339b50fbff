"""The user's settings for the terminal UI: ``$XDG_CONFIG_HOME/workbench/settings.yaml``.

```yaml
theme: textual-dark        # workbench-light, workbench-mono (no colour) or any Textual theme
                           # (switch from the command palette: it is saved; --theme NAME for one
                           # run; NO_COLOR starts in workbench-mono)
layout: stacked            # stacked (lists above each other, left) | columns (three columns)
diff: auto                 # auto (split when wide enough) | split | unified
context: 3                 # unchanged lines around changes (-1: the whole file)
keymap:                    # binding id -> keys (comma-separated); see the ? screen for ids
  findings.next: ctrl+n
  app.quit: q,ctrl+q
```
A broken file never stops the app: the defaults apply and the problems are shown once.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LAYOUTS = ("stacked", "columns")
DIFF_MODES = ("auto", "split", "unified")
DEFAULT_THEME = "textual-dark"


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/workbench``, else ``~/.config/workbench``."""
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "workbench"


def settings_path() -> Path:
    return config_dir() / "settings.yaml"


@dataclass(slots=True)
class Settings:
    """What the user chose. ``path`` is where changes are saved (``None``: never saved, as in
    tests); ``problems`` are the messages from reading a broken file."""

    theme: str = DEFAULT_THEME
    layout: str = "stacked"
    diff: str = "auto"
    context: int = 3
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data: dict = {
            "theme": self.theme,
            "layout": self.layout,
            "diff": self.diff,
            "context": self.context,
        }
        if self.keymap:
            data["keymap"] = dict(self.keymap)
        return data

    def save(self) -> str | None:
        """Write the settings atomically to ``path``; the error message if that failed."""
        if self.path is None:
            return None
        import yaml

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
            fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, self.path)
        except OSError as exc:
            return f"cannot save settings to {self.path}: {exc.strerror or exc}"
        return None


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file (defaults when it is missing); never raises."""
    from workbench.contract.errors import ContractError
    from workbench.contract.yamlsrc import decode_source, load_yaml, read_regular

    path = path or settings_path()
    settings = Settings(path=path)
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        return settings
    except OSError as exc:
        settings.problems.append(f"{path}: cannot read: {exc.strerror or exc}")
        return settings
    if not raw.strip():
        return settings
    try:
        doc = load_yaml(decode_source(raw, str(path)), str(path))
    except ContractError as exc:
        settings.problems.extend(p.format() for p in exc.problems)
        return settings
    data = doc.data
    if not isinstance(data, dict):
        settings.problems.append(f"{path}:1:1: error: settings must be a mapping")
        return settings

    def problem(key: tuple, message: str) -> None:
        loc = doc.key_locs.get(key) or doc.locs.get(key)
        line, col = (loc.line, loc.column) if loc else (1, 1)
        settings.problems.append(f"{path}:{line}:{col}: error: {message}")

    for key, value in data.items():
        if key == "theme":
            if isinstance(value, str) and value:
                settings.theme = value
            else:
                problem((key,), "theme must be a theme name")
        elif key == "layout":
            if value in LAYOUTS:
                settings.layout = value
            else:
                problem((key,), f"layout must be one of: {', '.join(LAYOUTS)}")
        elif key == "diff":
            if value in DIFF_MODES:
                settings.diff = value
            else:
                problem((key,), f"diff must be one of: {', '.join(DIFF_MODES)}")
        elif key == "context":
            if isinstance(value, int) and not isinstance(value, bool) and value >= -1:
                settings.context = value
            else:
                problem((key,), "context must be a number of lines (-1 for all)")
        elif key == "keymap":
            if not isinstance(value, dict):
                problem((key,), "keymap must map binding ids to keys")
                continue
            from workbench.tui.commands import BY_ID

            for bid, keys in value.items():
                if bid not in BY_ID:
                    problem((key, bid), f"unknown binding id {bid!r} (see the ? screen)")
                elif not isinstance(keys, str) or not keys.strip():
                    problem((key, bid), "keys must be a string such as 'ctrl+n' or 'j,down'")
                else:
                    settings.keymap[bid] = ",".join(k.strip() for k in keys.split(","))
        else:
            problem((key,), f"unknown setting {key!r}")
    return settings
