"""``Html``: an HTML document, wandb's ``wandb.Html``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from runyard.sdk.run import Run

__all__ = ["Html"]

_HEAD = (
    '<base target="_blank">'
    '<link rel="stylesheet" type="text/css" href="https://app.wandb.ai/normalize.css" />'
)


class Html:
    """HTML logged as an ``html-file`` (as ``wandb.Html``).

    ``data`` is a string of HTML, the path of an existing file (unless
    ``data_is_not_path=True``, which always takes the string as HTML) or an open
    text file. With ``inject=True`` wandb's ``<base target="_blank">`` and
    stylesheet link are inserted into the ``<head>`` (created when missing).

    Raises:
        ValueError: ``"data must be a string or an io object"``.

    Example:
        >>> Html("<b>hi</b>", inject=False).html
        '<b>hi</b>'
    """

    _log_type: ClassVar[str] = "html-file"

    html: str

    def __init__(self, data: Any, inject: bool = True, data_is_not_path: bool = False) -> None:
        if isinstance(data, str):
            if not data_is_not_path and os.path.isfile(data):
                with open(data, encoding="utf-8") as f:
                    self.html = f.read()
            else:
                self.html = data
        elif hasattr(data, "read"):
            content = data.read()
            self.html = content.decode("utf-8") if isinstance(content, bytes) else str(content)
        else:
            raise ValueError("data must be a string or an io object")
        if inject:
            self.inject_head()

    def inject_head(self) -> None:
        """Insert wandb's ``<base>`` and stylesheet tags at the start of ``<head>``."""
        if "<head>" in self.html:
            before, after = self.html.split("<head>", 1)
            parts = [before + "<head>", after]
        elif "<html>" in self.html:
            before, after = self.html.split("<html>", 1)
            parts = [before + "<html><head>", "</head>" + after]
        else:
            parts = ["", self.html]
        self.html = (parts[0] + _HEAD + parts[1]).strip()

    def to_json(self, run: Run) -> dict[str, Any]:
        """Store the document (``.html``, content-addressed); return the ``html-file`` value."""
        from runyard.data_types.media_file import store_media

        return {"_type": "html-file", **store_media(run, "html", self.html.encode(), ".html")}

    def __repr__(self) -> str:
        return f"<Html {len(self.html)} characters>"
