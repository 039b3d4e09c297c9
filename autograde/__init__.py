"""mlassess grading engine: build releases, grade submissions, report."""

import sys

# jsonschema (under nbformat) builds an RFC 3987 IRI grammar when it is imported:
# close to a second in every grading process. Notebook and nbgrader schemas use no
# IRI formats, so the kit's processes go without that one format check.
sys.modules.setdefault("rfc3987_syntax", None)
