"""`flask registers verify REGISTER [SIGNATURE]`."""
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from app.registers.signing import SIGNATURE_SUFFIX, verify_enveloped_register, verify_register

registers_cli = AppGroup("registers", help="Register files: check their signatures.")
EXISTING_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@registers_cli.command("verify")
@click.argument("register", type=EXISTING_FILE)
@click.argument("signature", type=EXISTING_FILE, required=False)
def verify(register: Path, signature: Path | None):
    """Check REGISTER against SIGNATURE (its .sig file) and the desk's certificate; exit 0 when
    valid, 1 with the reason. Without SIGNATURE, REGISTER.sig beside it is used, or else the
    signature inside a small register."""
    if signature is None and register.with_name(register.name + SIGNATURE_SUFFIX).exists():
        signature = register.with_name(register.name + SIGNATURE_SUFFIX)
    result = verify_enveloped_register(register) if signature is None else verify_register(register, signature)
    with force_locale("en"):  # operators' console: one language, whatever the desk's default
        if result.ok:
            click.echo(f"valid: sha256={result.digest} signer={result.signer_subject}")
            return
        click.echo(f"invalid: {result.message} (sha256={result.digest})", err=True)
    sys.exit(1)
