"""pyHanko and its certificate validator, imported once with cryptography's notice about
DSA (which pyHanko still imports for old signatures) silenced: it is not ours to act on."""
from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*DSA.*deprecated")
    from asn1crypto import crl as asn1_crl  # noqa: F401
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: F401
    from pyhanko.pdf_utils.misc import PdfReadError  # noqa: F401
    from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: F401
    from pyhanko.sign.diff_analysis import ModificationLevel  # noqa: F401
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field  # noqa: F401
    from pyhanko.sign.validation import validate_pdf_signature  # noqa: F401
    from pyhanko.sign.validation.errors import SignatureValidationError  # noqa: F401
    from pyhanko_certvalidator import ValidationContext  # noqa: F401
