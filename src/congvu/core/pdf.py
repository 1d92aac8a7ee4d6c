"""HTML → PDF with WeasyPrint, using the Noto Serif font shipped in congvu's static files.

The font travels with the package so a PDF prints the same Vietnamese on any server, whatever fonts the
operating system has.
"""

from pathlib import Path

from django.template.loader import render_to_string

FONT_DIR = Path(__file__).resolve().parent / "static" / "congvu" / "fonts"

_FONT_FACES = "\n".join(
    f"@font-face {{ font-family: 'CongvuSerif'; src: url('{(FONT_DIR / file).as_uri()}'); "
    f"font-weight: {weight}; font-style: {style}; }}"
    for file, weight, style in [
        ("NotoSerif-Regular.ttf", "normal", "normal"),
        ("NotoSerif-Bold.ttf", "bold", "normal"),
        ("NotoSerif-Italic.ttf", "normal", "italic"),
        ("NotoSerif-BoldItalic.ttf", "bold", "italic"),
    ]
)



def font_faces_css() -> str:
    """The @font-face rules of the shipped font, for documents with their own page box (a signature stamp)."""
    return _FONT_FACES


PAGE_SIZES = {"A4": "A4 portrait", "A4-landscape": "A4 landscape", "A5": "A5 portrait"}


def page_css(paper: str = "A4") -> str:
    """Page box and base typography for administrative documents (margins of the Circular 03 templates)."""
    size = PAGE_SIZES[paper]
    margins = "15mm 15mm 15mm 20mm" if paper == "A5" else "20mm 20mm 20mm 30mm"
    return (
        f"{_FONT_FACES}\n@page {{ size: {size}; margin: {margins}; }}\n"
        "html { font-family: 'CongvuSerif', serif; font-size: 12pt; line-height: 1.35; }"
    )


def render_pdf(template_name: str, context: dict, paper: str = "A4", *, signed_by=None) -> bytes:
    """Render a Django template to PDF bytes; the template gets `page_css` to put in its <style>.

    With `signed_by` (a unit) the PDF is signed with that unit's certificate (PAdES, congvu.signing), or
    left unsigned when the unit has none: every document a unit issues is signed here, in one place."""
    from weasyprint import HTML  # imported lazily: WeasyPrint loads Pango, which pages that never print don't need

    html = render_to_string(template_name, {**context, "page_css": page_css(paper)})
    pdf = HTML(string=html, base_url=str(FONT_DIR)).write_pdf()
    if signed_by is None:
        return pdf
    from congvu.signing.services import sign_as_unit  # lazily: signing needs the database, plain rendering does not

    return sign_as_unit(pdf, signed_by)
