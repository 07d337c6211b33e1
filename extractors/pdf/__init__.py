"""PDF documents into blocks.

    reader        the PDF as a whole: page limit, then the fillable form if it has one,
                  else the text layer (pdfplumber words and rules -> `extractors.layout`),
                  pages with no text layer handed to `extractors.ocr`
    acroform      filled AcroForm fields -> a synthetic form document
    acroform_map  which form field is which box of the collection (names, tooltips)
"""
