"""``Html``: an HTML document, wandb's ``wandb.Html``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from runyard.data_types.sink import MediaSink

__all__ = ["Html"]

#: A small normalize stylesheet, inlined: rendering logged HTML fetches nothing.
_NORMALIZE_CSS = (
    "html{line-height:1.15;-webkit-text-size-adjust:100%}"
    "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
    "h1{font-size:2em;margin:.67em 0}"
    "hr{box-sizing:content-box;height:0;overflow:visible}"
    "pre,code,kbd,samp{font-family:monospace,monospace;font-size:1em}"
    "b,strong{font-weight:bolder}"
    "small{font-size:80%}"
    "sub,sup{font-size:75%;line-height:0;position:relative;vertical-align:baseline}"
    "sub{bottom:-.25em}sup{top:-.5em}"
    "img{border-style:none;max-width:100%}"
    "table{border-collapse:collapse}"
    "button,input,optgroup,select,textarea{font-family:inherit;font-size:100%;"
    "line-height:1.15;margin:0}"
)
#: wandb injects ``<base target="_blank">`` and a ``<link>`` to app.wandb.ai's
#: normalize.css; Runyard keeps the ``<base>`` and inlines the stylesheet instead.
_HEAD = f'<base target="_blank"><style>{_NORMALIZE_CSS}</style>'


class Html:
    """HTML logged as an ``html-file`` (as ``wandb.Html``).

    ``data`` is a string of HTML, the path of an existing file (unless
    ``data_is_not_path=True``, which always takes the string as HTML) or an open
    text file. With ``inject=True`` wandb's ``<base target="_blank">`` and a
    small normalize stylesheet are inserted into the ``<head>`` (created when
    missing). wandb links the stylesheet from app.wandb.ai; Runyard inlines it
    in a ``<style>`` element, so viewing the HTML fetches nothing from outside
    (the stored bytes differ from wandb's there; see docs/compat.md).

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
        """Insert ``<base target="_blank">`` and the inline stylesheet at the top of ``<head>``."""
        if "<head>" in self.html:
            before, after = self.html.split("<head>", 1)
            parts = [before + "<head>", after]
        elif "<html>" in self.html:
            before, after = self.html.split("<html>", 1)
            parts = [before + "<html><head>", "</head>" + after]
        else:
            parts = ["", self.html]
        self.html = (parts[0] + _HEAD + parts[1]).strip()

    def to_json(self, sink: MediaSink) -> dict[str, Any]:
        """Store the document (``.html``, content-addressed); return the ``html-file`` value."""
        from runyard.data_types.media_file import store_media

        return {"_type": "html-file", **store_media(sink, "html", self.html.encode(), ".html")}

    def __repr__(self) -> str:
        return f"<Html {len(self.html)} characters>"
