#!/usr/bin/python3
"""The web console in a real headless Chromium, against a real broker.

Mosquitto with the freshly built plugin serves build/console-www on a
websockets listener (http_dir); three ota-agent devices are online, two more
devices are known but offline. Through the page only: a refused login and a
non-admin login say so; the admin logs in, sees the devices by version, creates
an upgrade (first with a bad md5, whose error appears under the md5 field),
watches its bar reach completed as the agents upgrade, reads an execution's
history, creates a second upgrade for the offline devices and cancels it after
confirming. With --screenshots DIR the README's pictures are written there.
"""
import argparse
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import common  # noqa: E402  (brokers on free ports, password files)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

AGENT = os.path.join(common.BUILD, "agent", "ota-agent")
WWW = os.path.join(common.BUILD, "console-www")
FILE_SERVER = os.path.join(common.ROOT, "tests", "support", "http_file_server.py")
ONLINE = ["d1", "d2", "d3"]
OFFLINE = ["e1", "e2"]
# A status value a device chose: shown as text, never run as markup.
HOSTILE = '<img src=x onerror="window.pwned=1">'
WAIT = 30


def wait_for(predicate, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class Fleet:
    """The broker with the console listener, the image server and the devices."""

    def __init__(self, work):
        self.work = work
        passwd = os.path.join(work, "passwd")
        common.make_passwd(passwd, ["admin", "viewer"] + [f"lamp/{d}" for d in ONLINE + OFFLINE])
        self.broker = common.Broker(passwd, True, plugin_opts={"flush_ms": 100})
        self.ws_port = common.free_port()
        with open(os.path.join(self.broker.dir, "mosquitto.conf"), "a") as f:
            f.write(f"listener {self.ws_port} 127.0.0.1\nprotocol websockets\nhttp_dir {WWW}\n")
        self.broker.start()
        self.procs = []
        self.image = os.path.join(work, "files", "fw-2.0.bin")
        os.makedirs(os.path.dirname(self.image))
        with open(self.image, "wb") as f:
            f.write(secrets.token_bytes(96 * 1024))
        control = os.path.join(work, "control")
        os.makedirs(control)
        self.stall = os.path.join(control, "stall")  # while it exists, downloads stop after 16 KiB
        port_file = os.path.join(work, "http.port")
        self.procs.append(subprocess.Popen([sys.executable, FILE_SERVER, "--root", os.path.dirname(self.image),
                                            "--control", control, "--log", os.path.join(work, "http.log"),
                                            "--port-file", port_file]))
        wait_for(lambda: os.path.exists(port_file), "the image server")
        with open(port_file) as f:
            self.image_url = f"http://127.0.0.1:{f.read().strip()}/fw-2.0.bin"
        for d in OFFLINE:  # known (a status once), then gone
            subprocess.run(["mosquitto_pub", "-p", str(self.broker.port), "-u", f"lamp/{d}", "-P", "secret",
                            "-i", f"lamp/{d}", "-q", "1", "-t", f"update_status/lamp/{d}/{secrets.token_hex(12)}",
                            "-m", json.dumps({"firmware_ver": "1.0", "label": HOSTILE})], check=True, timeout=WAIT)
        for d in ONLINE:
            self.procs.append(self.start_agent(d))

    def start_agent(self, device):
        home = os.path.join(self.work, "agent-" + device)
        os.makedirs(home)
        conf = os.path.join(home, "agent.conf")
        with open(conf, "w") as f:
            f.write(f"broker_host = 127.0.0.1\nbroker_port = {self.broker.port}\nproduct = lamp\ndevice = {device}\n"
                    f"password = secret\nstate_dir = {home}/state\ndownload_dir = {home}/download\n"
                    f"install_command = true\nversion.firmware = 1.0\n")
        log = open(os.path.join(home, "agent.log"), "w")
        return subprocess.Popen([AGENT, conf], stdout=log, stderr=log)

    def md5(self):
        with open(self.image, "rb") as f:
            return hashlib.md5(f.read()).hexdigest()

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.wait(timeout=WAIT)
        self.broker.stop()


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,860"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


class Console:
    def __init__(self, driver, url, shots):
        self.d = driver
        self.url = url
        self.shots = shots

    def find(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    # Read in one script: the views replace their elements as events come.
    def text(self, css):
        return self.d.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css)

    def attribute(self, css, name):
        return self.d.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : ''", css, name)

    def attributes(self, css, name):
        return self.d.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]), (e) => e.getAttribute(arguments[1]))", css, name)

    def until(self, predicate, what):
        WebDriverWait(self.d, WAIT, poll_frequency=0.05).until(lambda _: predicate(), "timed out waiting for " + what)

    def until_text(self, css, expected):
        self.until(lambda: expected in self.text(css), f"{css} to show {expected!r} (shows {self.text(css)!r})")

    def shot(self, name):
        self.d.save_screenshot(os.path.join(self.shots, name + ".png"))

    def login(self, user, password):
        self.d.get(self.url)
        form = self.find("#login-form")
        form.find_element(By.NAME, "username").send_keys(user)
        form.find_element(By.NAME, "password").send_keys(password)
        form.find_element(By.CSS_SELECTOR, "button").click()

    def go(self, route):
        self.d.execute_script("location.hash = arguments[0]", route)

    def fill(self, fields):
        for name, value in fields.items():
            box = self.find("#f-" + name)
            box.clear()
            box.send_keys(value)

    def job_state(self):
        return self.attribute("#job-state", "data-state")

    def count(self, state):
        return self.text(f'#job-counts li[data-state="{state}"] .count')


def run(console, fleet):
    c = console
    # A wrong password, then a user that is not an admin: each is told why.
    c.login("admin", "wrong")
    c.until_text("#login-error", "wrong username or password")
    c.login("viewer", "secret")
    c.until_text("#login-error", "may not use the admin API")
    c.login("admin", "secret")
    c.until(lambda: c.find("#app").is_displayed(), "the console after login")

    # The fleet: five devices at 1.0, three of them online.
    c.go("#/fleet/lamp")
    c.until_text("#device-count", "5")
    c.until_text("#online-count", "3")
    c.until_text('#version-chart tr[data-version="1.0"] .count', "5")
    c.until_text('#devices tr[data-device="d1"] .version', "1.0")
    c.shot("fleet")

    # A device's page: its status as it reported it, markup shown as text.
    c.go("#/device/lamp/e1")
    c.until_text('#device-status tr[data-key="label"] td', HOSTILE)
    assert c.d.execute_script("return window.pwned") is None, "a status value ran as markup"

    # A bad md5: the broker's refusal appears under the md5 field, nothing is created.
    c.go("#/new")
    c.until(lambda: c.d.execute_script("return document.querySelector('#f-product')?.value") == "lamp", "the form")
    c.fill({"type": "firmware", "version": "2.0", "url": fleet.image_url, "md5": "not-an-md5",
            "size": str(os.path.getsize(fleet.image)), "devices": " ".join(ONLINE)})
    c.find("#create").click()
    c.until_text("#error-md5", '"md5" must be 32 hex digits')
    c.shot("new-upgrade-error")
    c.fill({"md5": fleet.md5()})
    open(fleet.stall, "w").close()
    c.find("#create").click()
    c.until_text("#notice", "3 device(s) targeted")

    # The bar moves with the events, the page never reloaded: three downloading
    # while the image server stalls, then completed, three succeeded.
    c.until(lambda: c.count("downloading") == "3", "three downloading")
    assert c.job_state() == "in_progress"
    c.shot("job-in-progress")
    os.remove(fleet.stall)
    c.until(lambda: c.job_state() == "completed", "the job to complete")
    assert c.count("succeeded") == "3", c.text("#job-counts")
    assert c.text("#job-finished") == "3" and c.text("#job-total") == "3"
    assert len(c.attributes("#job-bar .seg.s-succeeded", "title")) == 1
    assert not c.attributes("#cancel-job", "id"), "a completed job offers no cancel"
    c.until_text('#executions tr[data-device="d1"]', "succeeded")
    c.shot("job")

    # One execution's history, newest first.
    c.find('#executions tr[data-device="d1"] a').click()
    c.until_text("#history", "succeeded")
    states = c.attributes('#history tr[data-event="state"]', "data-state")
    assert states == ["succeeded", "installing", "downloading", "sent"], states
    c.shot("execution")

    # The fleet now shows the new version.
    c.go("#/fleet/lamp")
    c.until_text('#version-chart tr[data-version="2.0"] .count', "3")
    c.until_text('#version-chart tr[data-version="1.0"] .count', "2")

    # An upgrade for the offline devices waits queued; cancelling asks first.
    c.go("#/new")
    c.until(lambda: c.d.execute_script("return document.querySelector('#f-product')?.value") == "lamp", "the form")
    c.fill({"type": "firmware", "version": "2.0", "url": fleet.image_url, "md5": fleet.md5(),
            "size": str(os.path.getsize(fleet.image)), "devices": ", ".join(OFFLINE)})
    c.find("#create").click()
    c.until_text("#notice", "2 device(s) targeted")
    c.until(lambda: c.count("queued") == "2", "two queued executions")
    c.find("#cancel-job").click()
    c.until(lambda: c.find("#confirm").is_displayed(), "the confirmation")
    c.find('#confirm button[value="no"]').click()
    c.until(lambda: not c.find("#confirm").is_displayed(), "the confirmation to close")
    assert c.job_state() == "in_progress" and c.count("queued") == "2", "kept when not confirmed"
    c.find("#cancel-job").click()
    c.until(lambda: c.find("#confirm").is_displayed(), "the confirmation")
    assert "2 unfinished" in c.text("#confirm-text"), c.text("#confirm-text")
    c.find("#confirm-yes").click()
    c.until(lambda: c.job_state() == "canceled", "the job to be canceled")
    c.until(lambda: c.count("canceled") == "2", "two canceled executions")

    # The jobs, newest first, with their states.
    c.go("#/jobs/lamp")
    c.until(lambda: len(c.attributes("#jobs tbody tr", "data-state")) == 2, "two jobs")
    states = c.attributes("#jobs tbody tr", "data-state")
    assert states == ["canceled", "completed"], states
    c.shot("jobs")

    errors = [e for e in c.d.get_log("browser") if e["level"] == "SEVERE" and "Uncaught" in e["message"]]
    assert not errors, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--screenshots", help="write the screenshots here (the README's are in docs/console)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="ota-console-")
    shots = args.screenshots or os.path.join(work, "screenshots")
    os.makedirs(shots, exist_ok=True)
    fleet = Fleet(work)
    driver = browser()
    try:
        run(Console(driver, f"http://127.0.0.1:{fleet.ws_port}/", shots), fleet)
        print("console test passed; screenshots in", shots)
    except Exception:
        driver.save_screenshot(os.path.join(shots, "failure.png"))
        print("broker log:\n" + fleet.broker.log()[-4000:], file=sys.stderr)
        print("screenshots in", shots, file=sys.stderr)
        raise
    finally:
        driver.quit()
        fleet.stop()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
