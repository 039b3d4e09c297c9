"""Takes active content out of what a candidate wrote or made a kernel print.

The graded notebook is what the feedback page and nbgrader's formgrader show, on
the grader's Jupyter origin: a `<script>` in a written answer, an `onerror` in an
HTML output or a JavaScript output would run there with the grader's session.
So every cell output, and every markdown or raw cell the candidate wrote (answer
cells and cells they added), keeps only inert markup: nbconvert's SanitizeHTML
(bleach) escapes other tags and drops output types that can carry code
(JavaScript, SVG, widgets). The author's own cells come from the release and are
left as written.
"""

from __future__ import annotations

import re

import bleach
from nbconvert.preprocessors.sanitize import SanitizeHTML

from autograde.trust_boundary.notes import CANDIDATE_CELL_PREFIX

# What a DataFrame's HTML, a table or a formatted answer needs; no images (they can beacon
# out), no styles, no forms, and links only to http(s) and mail.
INERT_TAGS = sorted(
    set(bleach.sanitizer.ALLOWED_TAGS)
    | {
        "p",
        "br",
        "pre",
        "div",
        "span",
        "hr",
        "sup",
        "sub",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
    }
)
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
INERT_ATTRIBUTES = {
    "*": ["class"],
    "a": ["href", "title"],
    "th": ["colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
    "abbr": ["title"],
    "acronym": ["title"],
}


def candidate_wrote(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution")) or str(cell.get("id", "")).startswith(CANDIDATE_CELL_PREFIX)


class SanitizeCandidateContent(SanitizeHTML):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.enabled = True  # nbconvert's preprocessors start disabled; nbgrader's pipeline runs what it lists
        self.tags, self.attributes = INERT_TAGS, INERT_ATTRIBUTES

    def sanitize_code_outputs(self, outputs):
        """Also drops each output's metadata (templates write an image's width and height
        into the page unquoted), images whose data is not base64, and outputs left empty."""
        for output in super().sanitize_code_outputs(outputs):
            if "metadata" in output:
                output["metadata"] = {}
            for key in ("image/png", "image/jpeg"):
                if key in output.get("data", {}) and not BASE64.fullmatch(str(output["data"][key])):
                    del output["data"][key]
        return [o for o in outputs if o["output_type"] in ("stream", "error") or o.get("data")]

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code":
            cell.outputs = self.sanitize_code_outputs(cell.outputs)
        elif candidate_wrote(cell):
            cell.source = self.sanitize_html_tags(cell.source)
        return cell, resources
