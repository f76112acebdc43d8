# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

NAME = "appliance_admin"
NEW = "n3w-Passw0rd"


@pytest.fixture
def factory(driver):
    driver.admin_password = "password"
    return driver


def test_changes_from_factory_then_idempotent(run, factory):
    result = run(NAME, dict(appliance_password="password", password=NEW), factory, diff=True)
    assert result["changed"] is True
    assert result["signed_in_with"] == "current"
    assert factory.admin_password == NEW
    assert NEW not in json.dumps(result)
    assert result["diff"]["after"]["password"] != result["diff"]["before"]["password"]
    factory.calls[:] = []
    again = run(NAME, dict(appliance_password="password", password=NEW), factory)
    assert again["changed"] is False and again["signed_in_with"] == "desired"
    # The desired password is tried first: a settled run makes no failed sign-in.
    assert factory.calls == [("status",)]


def test_check_mode_changes_nothing(run, factory):
    result = run(NAME, dict(appliance_password="password", password=NEW), factory, check_mode=True)
    assert result["changed"] is True
    assert factory.writes == [] and factory.admin_password == "password"


def test_neither_password_signs_in(run, factory):
    result = run(NAME, dict(appliance_password="wrong-one", password=NEW), factory)
    assert result["failed"] and "Neither password nor appliance_password signs in as admin" in result["msg"]
    assert factory.writes == []


@pytest.mark.parametrize("password, message", [
    ("short", "at least 8 characters"),
    ("password", "every new appliance ships with"),
])
def test_weak_password_refused_before_any_request(run, factory, password, message):
    result = run(NAME, dict(appliance_password="password", password=password), factory)
    assert result["failed"] and message in result["msg"]
    assert factory.calls == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_gathered_tells_which_password_signs_in_and_changes_nothing(run, factory, check_mode):
    params = dict(appliance_password="password", password=NEW, state="gathered")
    result = run(NAME, params, factory, check_mode=check_mode, diff=True)
    assert result["changed"] is False and result["signed_in_with"] == "current" and "diff" not in result
    assert factory.writes == [] and factory.admin_password == "password"
    factory.admin_password = NEW
    assert run(NAME, params, factory, check_mode=check_mode)["signed_in_with"] == "desired"
    factory.admin_password = "something-else"
    result = run(NAME, params, factory, check_mode=check_mode)
    # "password" is masked in the output: the factory password is a no_log value here.
    assert result["failed"] and "signs in as admin on 192.0.2.10" in result["msg"]
    assert factory.writes == []


def test_the_factory_password_does_not_mask_the_word_password_in_messages(run, factory):
    # no_log would turn every "password" into ******** while the factory password is an argument (issue 13).
    result = run(NAME, dict(appliance_password="password", password="short"), factory)
    assert result["msg"].startswith("password must be at least 8 characters long")


def test_a_real_secret_is_still_masked(run, factory):
    result = run(NAME, dict(appliance_password="Secret-0ne", password="Secret-0ne-but-longer"), factory)
    assert "Secret-0ne" not in json.dumps(result)
