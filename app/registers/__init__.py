"""Printed and exported documents: PDF certificates and registers (pdf.py), XLSX workbooks
(xlsx.py), and the download responses views wrap their bytes in."""
from io import BytesIO

from flask import Response, send_file

PDF_MIMETYPE = "application/pdf"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_response(data: bytes, filename: str, mimetype: str) -> Response:
    """An attachment that no browser or proxy keeps: registers and certificates are
    confidential. Non-ASCII file names are sent RFC 6266 style (filename*=UTF-8'')."""
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename,
                         etag=False, last_modified=None, max_age=None)
    response.headers["Cache-Control"] = "no-store"
    return response


def pdf_response(data: bytes, filename: str) -> Response:
    return download_response(data, filename, PDF_MIMETYPE)


def xlsx_response(data: bytes, filename: str) -> Response:
    return download_response(data, filename, XLSX_MIMETYPE)
