"""The /appliance admin account: a new appliance ships with admin / password."""
import hashlib
import hmac
import secrets

ADMIN_USER = "admin"
FACTORY_ADMIN_PASSWORD = "password"


def hash_password(password, salt=None):
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 10000).hex()
    return f"{salt}${digest}"


def password_matches(password, stored):
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(hash_password(password, salt), stored)
