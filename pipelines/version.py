"""The extractor's version, recorded on every report (`reports.extractor_version`).

Bump EXTRACTOR_VERSION in the same commit as any change to what extraction gives for a page
(pipelines/, a reader, a template, a family's article handling), with one line below saying
why. Reports stored by an older extractor are then re-extracted from their WARC capture:
all of them by `xxgk reextract` (run it after an upgrade), and each one a crawl answers with
304 or skips as fresh (it would otherwise keep its old extraction for ever).

History:
1. the first recorded version (archives written before it have no value: older than 1).
"""
EXTRACTOR_VERSION = 1
