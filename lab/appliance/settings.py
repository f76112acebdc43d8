"""Lab settings of one appliance: what they are, their defaults, how they are checked.

Three kinds, all set in the topology and per appliance through `POST /control/settings`:
- timers and limits (topology `timers:` and `limits:`, see lab/topology.py);
- leniencies: the lab is as strict as the reference describes a real appliance; each of these
  relaxes one rule, and no test of the collection may rely on one (topology `leniency:`);
- readings of what the vendor leaves undocumented (topology `behaviour:`), so that a test can
  run the collection against each reading;
plus the site's API configuration (`xml_api_enabled`, the API account's `permissions`), the
vendor-only switch (`management_api`) and a few others (namespace, product, software).
"""
import email.utils
import math
import time

NAMESPACE_CHOICES = ("current", "legacy")
PRODUCTS = ("rs", "pra")
NUMERIC_SETTINGS = ("token_lifetime", "health_cache", "listener_retry", "requests_per_second",
                    "requests_per_hour", "tokens_per_account", "initial_sync_delay", "probe_interval",
                    "peer_timeout", "swap_both_backup", "sync_overhead", "sync_throughput")
SOFTWARE_SETTINGS = ("version", "build")     # another site software package on this appliance

# The reference: v2 "GET/DELETE need Accept: application/json; bodies need Content-Type:
# application/json ... 400 (unrecognised query params/body fields)"; no Retry-After is documented.
LENIENCY_DEFAULTS = {
    "v2_accept": "exact",                 # exact | wildcard | any
    "v2_content_type": "required",        # required | any
    "v2_unknown_parameters": "reject",    # reject | ignore
    "rate_limit_retry_after": None,       # seconds in the Retry-After of a 429, null: no header
    "busy_retry_after": None,             # seconds in the Retry-After of a busy 503, null: no header
    "retry_after_format": "seconds",      # seconds | http-date: how a configured Retry-After is written
}
LENIENCY_CHOICES = {
    "v2_accept": ("exact", "wildcard", "any"),
    "v2_content_type": ("required", "any"),
    "v2_unknown_parameters": ("reject", "ignore"),
    "retry_after_format": ("seconds", "http-date"),
}
RETRY_AFTER_SETTINGS = ("rate_limit_retry_after", "busy_retry_after")

# Undocumented by the vendor: the lab plays either reading.
BEHAVIOUR_DEFAULTS = {
    "sync_status_words": ["Success"],            # cycled through, one per successful data sync
    "sync_failure_format": "Failed: {reason}",   # the status of a failed data sync
    "backup_health_when_primary_down": "healthy",  # healthy | unhealthy
}
BACKUP_HEALTH_CHOICES = ("healthy", "unhealthy")

SITE_DEFAULTS = {
    "xml_api_enabled": True,    # /login > Management > API Configuration > Enable XML API
    "management_api": True,     # false: a vendor-only appliance (no /appliance/api/v1, /login/api/v1)
}
KNOWN = {*NUMERIC_SETTINGS, *SOFTWARE_SETTINGS, *LENIENCY_DEFAULTS, *BEHAVIOUR_DEFAULTS, *SITE_DEFAULTS,
         "xml_namespace", "product", "permissions", "backup_password"}


class SettingError(ValueError):
    """A setting with a wrong name or value; the message says which and what is allowed."""


def defaults():
    return {**LENIENCY_DEFAULTS, **BEHAVIOUR_DEFAULTS, **SITE_DEFAULTS,
            "sync_status_words": list(BEHAVIOUR_DEFAULTS["sync_status_words"])}


def validate(body, allowed=KNOWN):
    """Raises SettingError for an unknown name or a bad value in `body`."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise SettingError(f"unknown setting(s): {', '.join(unknown)} (known: {', '.join(sorted(allowed))})")
    for key in NUMERIC_SETTINGS:
        if key in body and not _non_negative(body[key]):
            raise SettingError(f"{key} must be a non-negative number")
    _choice(body, "xml_namespace", NAMESPACE_CHOICES)
    _choice(body, "product", PRODUCTS)
    for key, choices in LENIENCY_CHOICES.items():
        _choice(body, key, choices)
    _choice(body, "backup_health_when_primary_down", BACKUP_HEALTH_CHOICES)
    for key in RETRY_AFTER_SETTINGS:
        if body.get(key) is not None and not _non_negative(body[key]):
            raise SettingError(f"{key} must be a non-negative number of seconds, or null for no Retry-After")
    for key in SOFTWARE_SETTINGS:
        if body.get(key) is not None and not isinstance(body[key], str):
            raise SettingError(f"{key} must be a string, or null for the topology's")
    for key in SITE_DEFAULTS:
        if key in body and not isinstance(body[key], bool):
            raise SettingError(f"{key} must be true or false")
    if "permissions" in body and not isinstance(body["permissions"], dict):
        raise SettingError("permissions must be an object of permission name to value")
    password = body.get("backup_password")
    if password is not None and not isinstance(password, str):
        raise SettingError("backup_password must be a string, or null for none")
    _validate_sync_wording(body)


def _validate_sync_wording(body):
    if "sync_status_words" in body:
        words = body["sync_status_words"]
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            raise SettingError("sync_status_words must be a non-empty list of non-empty strings")
    if "sync_failure_format" in body:
        text = body["sync_failure_format"]
        if not isinstance(text, str) or "{reason}" not in text:
            raise SettingError('sync_failure_format must be a string containing "{reason}"')
        try:
            text.format(reason="x")
        except (KeyError, IndexError, ValueError):
            raise SettingError('sync_failure_format may hold no placeholder but "{reason}"') from None


def _choice(body, key, choices):
    if key in body and body[key] not in choices:
        raise SettingError(f"{key} must be one of {', '.join(choices)}")


def _non_negative(value):
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and value >= 0


def retry_after(settings, key):
    """The Retry-After header that setting `key` configures ({} when it is null: the vendor documents
    none), written as delay-seconds or as an HTTP-date (RFC 9110 §10.2.3) by retry_after_format."""
    seconds = settings.get(key)
    if seconds is None:
        return {}
    if settings.get("retry_after_format") == "http-date":
        return {"Retry-After": email.utils.formatdate(time.time() + seconds, usegmt=True)}
    return {"Retry-After": str(math.ceil(seconds))}
