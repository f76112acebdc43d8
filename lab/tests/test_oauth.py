"""OAuth tokens, the 30-token cap, expiry, 401 bodies and the rate limits."""
import re
import time

from lab.tests.conftest import CLIENT_ID

ACCESS_DENIED = {"error": "access_denied",
                 "message": "The resource owner or authorization server denied the request."}


def test_token_shape(site1):
    response = site1.http.post(f"{site1.base}/oauth2/token", auth=(CLIENT_ID, "test-api-secret-0123456789"),
                               data={"grant_type": "client_credentials"})
    body = response.json()
    assert response.headers["Content-Type"] == "application/json"
    assert re.fullmatch(r"[A-Za-z0-9]{40}", body["access_token"])
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600


def test_bad_credentials_and_tokens_get_401(site1):
    bad = site1.http.post(f"{site1.base}/oauth2/token", auth=(CLIENT_ID, "wrong"),
                          data={"grant_type": "client_credentials"})
    assert bad.status_code == 401 and bad.json() == ACCESS_DENIED
    for headers in ({}, {"Authorization": "Bearer " + "x" * 40}):
        for path in ("/api/command?action=check_health", "/api/command/v2/health",
                     "/login/api/v1/failover", "/api/backup"):
            response = site1.http.get(site1.base + path, headers=headers)
            assert response.status_code == 401, path
            assert response.json() == ACCESS_DENIED


def test_the_31st_token_evicts_the_oldest(site1):
    tokens = [site1.token() for _ in range(31)]

    def works(token):
        return site1.http.get(f"{site1.base}/api/command/v2/info",
                              headers={"Authorization": f"Bearer {token}"}).status_code == 200

    assert not works(tokens[0])
    assert works(tokens[1]) and works(tokens[30])


def test_tokens_expire(site1):
    site1.control("POST", "/control/settings", {"token_lifetime": 1})
    response = site1.http.post(f"{site1.base}/oauth2/token", auth=(CLIENT_ID, "test-api-secret-0123456789"),
                               data={"grant_type": "client_credentials"})
    assert response.json()["expires_in"] == 1
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert site1.http.get(f"{site1.base}/api/command/v2/info", headers=headers).status_code == 200
    time.sleep(1.1)
    expired = site1.http.get(f"{site1.base}/api/command/v2/info", headers=headers)
    assert expired.status_code == 401 and expired.json() == ACCESS_DENIED


def test_rate_limit_per_second(site1):
    site1.control("POST", "/control/settings", {"requests_per_second": 5, "requests_per_hour": 15000})
    statuses, remaining = [], []
    for _ in range(6):
        response = site1.api("GET", "/api/command/v2/info")
        statuses.append(response.status_code)
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
        assert response.headers["X-RateLimit-Limit"] == "15000"
    # The token request counts as well: 5 allowed in the second, then 429.
    assert statuses.count(429) >= 2 and statuses[0] == 200
    assert remaining == sorted(remaining, reverse=True)
    time.sleep(1.05)
    assert site1.api("GET", "/api/command/v2/info").status_code == 200


def test_rate_limit_per_hour(site1):
    site1.control("POST", "/control/settings", {"requests_per_hour": 3})
    statuses = [site1.api("GET", "/api/command/v2/info").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = site1.api("GET", "/api/command/v2/info")
    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-Limit"] == "3" and limited.headers["X-RateLimit-Remaining"] == "0"
