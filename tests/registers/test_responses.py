"""Download responses for PDF and XLSX documents."""
import pytest

from app.registers import PDF_MIMETYPE, XLSX_MIMETYPE, pdf_response, xlsx_response


@pytest.mark.parametrize(("build", "mimetype"), [(pdf_response, PDF_MIMETYPE), (xlsx_response, XLSX_MIMETYPE)])
def test_download_is_an_uncached_attachment(app, build, mimetype):
    with app.test_request_context():
        response = build(b"document bytes", "register-2026-11-21.bin")
        response.direct_passthrough = False

        assert response.mimetype == mimetype
        assert response.headers["Content-Disposition"] == "attachment; filename=register-2026-11-21.bin"
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers and "Last-Modified" not in response.headers
        assert response.get_data() == b"document bytes"


def test_non_ascii_file_names_are_sent_rfc_6266_style(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF-", "Свидетельство №7.pdf")

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''%D0%A1%D0%B2%D0%B8%D0%B4%D0%B5%D1%82%D0%B5%D0%BB%D1%8C%D1%81%D1%82%D0%B2%D0%BE%20%E2%84%967.pdf" in disposition
