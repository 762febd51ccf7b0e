"""report.pdf: report.html printed by a headless Chromium, kept only when Chromium wrote a whole PDF."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from wasteopt.config.errors import PdfError
from wasteopt.config.writers import write_bytes


PDF_BROWSERS = ("chromium", "chromium-browser", "google-chrome")

PDF_TIMEOUT_S = 90


def _last_line(output: bytes) -> str:
    lines = [line.strip() for line in output.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no message"


def write_pdf(html_path: Path) -> Path:
    """report.pdf beside ``html_path`` via headless Chromium, installed only when Chromium wrote a whole PDF
    (``%PDF-`` … ``%%EOF``); raises PdfError (one line saying why) otherwise, leaving no report.pdf behind."""
    browser = next((path for name in PDF_BROWSERS if (path := shutil.which(name))), None)
    if browser is None:
        raise PdfError(f"no headless Chromium ({', '.join(PDF_BROWSERS)}) on PATH; scripts/sysdeps.sh installs it")
    with tempfile.TemporaryDirectory(prefix="wasteopt-pdf-") as folder:
        printed = Path(folder) / html_path.with_suffix(".pdf").name
        try:
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                            f"--print-to-pdf={printed}", html_path.resolve().as_uri()],
                           check=True, capture_output=True, timeout=PDF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{browser} did not finish within {PDF_TIMEOUT_S} s") from None
        except subprocess.CalledProcessError as error:
            raise PdfError(f"{browser} failed (exit {error.returncode}): {_last_line(error.stderr)}") from None
        except OSError as error:
            raise PdfError(f"cannot run {browser}: {error.strerror or error}") from None
        data = printed.read_bytes() if printed.is_file() else b""
    if not (data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]):
        raise PdfError(f"{browser} wrote no valid PDF ({len(data):,} bytes)")
    target = html_path.with_suffix(".pdf")
    write_bytes(target, data)
    return target
