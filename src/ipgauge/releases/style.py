"""The stylesheet of every printed page: a release's HTML and PDF, and the service reports'.

One stylesheet, so a release and a report print alike: CJK fonts, tables that keep their captions and
are not cut after a row, wide tables on landscape pages, page numbers at the foot.
"""

CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK JP", sans-serif; max-width: 46em; margin: 2em auto;
       color: #222; line-height: 1.6; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.3em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; overflow-wrap: break-word; hyphens: manual; }
td.n { text-align: right; }
table.wide { page: wide; width: 100%; font-size: 0.72em; } table.wide td, table.wide th { padding: 0.2em 0.35em; }
.synthetic { color: #a00; font-weight: bold; } img { max-width: 100%; }
.notes, .meta { color: #555; font-size: 0.8em; overflow-wrap: anywhere; }
section + section { page-break-before: always; }
tr, figure { page-break-inside: avoid; } figcaption { font-size: 0.8em; color: #555; }
table { break-inside: avoid; } caption, h1, h2, h3 { break-after: avoid; } thead { display: table-header-group; }
tbody tr:nth-child(-n+2), tbody tr:nth-last-child(-n+2) { break-before: avoid; }
@page { margin: 2cm 1.8cm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #777; } }
@page wide { size: A4 landscape; margin: 1.5cm 1.2cm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #777; } }
"""
