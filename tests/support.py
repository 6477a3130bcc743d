"""Helpers the tests share: the test accounts, and posting forms as a browser would."""

import re
from functools import cache

from jinja2 import BytecodeCache
from werkzeug.security import generate_password_hash

# One account per role (and one holding two), with passwords that meet the policy.
PEOPLE = {
    "service_user": ("sam@example.org", "Sam Okafor", ["service_user"], "probation-test-sam"),
    "practitioner": ("priya@example.org", "Priya Shah", ["practitioner"], "practitioner-test-26"),
    "pdm": ("morgan@example.org", "Morgan Ellis", ["pdm"], "development-test-26"),
    "panel_member": ("alex@example.org", "Alex Byrne", ["panel_member"], "panel-member-test-26"),
    "quality_lead": ("jo@example.org", "Jo Whitfield", ["quality_lead"], "quality-lead-test-26"),
    "admin": ("admin@example.org", "Chris Admin", ["admin"], "administrator-test-26"),
}
ROLES = list(PEOPLE)


# Test accounts' hashes are scrypt at a lower cost than wisdom.auth.passwords uses: signing in
# checks a password through the same code (check_password reads the cost from the hash), in
# 1 ms rather than 70. Hashes WISDOM makes itself (new accounts, changed passwords) keep its cost.
TEST_HASH_METHOD = "scrypt:1024:8:1"


@cache
def account_hash(password: str) -> str:
    """A scrypt hash of a test account's password, made once per password."""
    return generate_password_hash(password, method=TEST_HASH_METHOD)


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept for the whole test session, so each test's new app loads a
    template's code instead of compiling its source again (Jinja checks the source's checksum).
    """

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        """Give the bucket the code compiled from this source earlier, if any."""
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        """Keep the code just compiled."""
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def share_template_code(app) -> None:
    """Let a test's app reuse the templates other tests' apps compiled (before it renders)."""
    app.jinja_env.bytecode_cache = TEMPLATE_CODE


def add_people(app, password_hashes: dict[str, str]) -> None:
    """One account per role (PEOPLE), with precomputed password hashes."""
    from wisdom.auth.models import User, UserRole
    from wisdom.db import db

    with app.app_context():
        for role, (email, name, roles, _password) in PEOPLE.items():
            user = User(email=email, name=name, password_hash=password_hashes[role])
            user.roles = [UserRole(role=r) for r in roles]
            db.session.add(user)
        db.session.commit()


def base_config(url: str) -> dict:
    """The configuration every test app starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "WISDOM_PLUGINS": [],
    }


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client, url: str = "/sign-in") -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    page = client.get(url)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def sign_in(client, role: str):
    """Sign in as the test account of a role; return the response."""
    email, _name, _roles, password = PEOPLE[role]
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def post_form(client, url: str, data: dict, token_from: str = "/"):
    """POST a form with the session's CSRF token, as the page's form would."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_from)})
