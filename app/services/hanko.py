"""pyHanko and its certificate validator, imported once with cryptography's notice about
DSA (which pyHanko still imports for old signatures) silenced: it is not ours to act on."""
from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*DSA.*deprecated")
    from asn1crypto import crl as asn1_crl
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

__all__ = [
    "IncrementalPdfFileWriter", "ModificationLevel", "PdfFileReader", "PdfReadError", "SigFieldSpec",
    "SignatureValidationError", "ValidationContext", "append_signature_field", "asn1_crl", "pem",
    "validate_pdf_signature", "x509",
]
