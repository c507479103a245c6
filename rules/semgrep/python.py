# semgrep --test cases for python.yaml: `ruleid:` marks the next line as a finding of that rule,
# `ok:` as none. Not run as code.
import hashlib
import marshal
import os
import pickle
import shlex
import shutil
import sqlite3
import ssl
import subprocess
import sys

import requests
import yaml
from Crypto.Cipher import AES, ARC4, DES
from cryptography.hazmat.primitives.ciphers import algorithms, modes
from django.http import HttpResponse
from django.utils.safestring import mark_safe
from flask import Flask, Markup, render_template_string, request, send_file
from flask import jsonify, make_response, render_template
from werkzeug.utils import secure_filename

app = Flask(__name__)
db = sqlite3.connect("app.db")


def find_user(cursor, name, user_id):
    # ruleid: python-sql-string-formatting
    cursor.execute("SELECT * FROM users WHERE name = '" + name + "'")
    # ruleid: python-sql-string-formatting
    cursor.execute("SELECT * FROM users WHERE id = %s" % user_id)
    # ruleid: python-sql-string-formatting
    cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
    # ruleid: python-sql-string-formatting
    cursor.execute("DELETE FROM users WHERE id = {}".format(user_id))
    query = "SELECT * FROM users WHERE name = '" + name + "'"
    # ruleid: python-sql-string-formatting
    cursor.execute(query)
    # ok: python-sql-string-formatting
    cursor.execute("SELECT * FROM users WHERE name = ?", (name,))
    # ok: python-sql-string-formatting
    cursor.execute("SELECT count(*) FROM users")
    # ok: python-sql-string-formatting
    cursor.execute(f"UPDATE users SET name = {function}(name) WHERE id = ?", (user_id,))
    # ok: python-sql-string-formatting
    cursor.execute("DROP DATABASE %s" % connection.ops.quote_name(name))
    # ok: python-sql-string-formatting
    cursor.execute("SELECT sql FROM sqlite_master WHERE name=%s" % (ops.quote_name(table),))
    # ok: python-sql-string-formatting
    cursor.execute("SELECT %s FROM %s WHERE %s = %%s" % (column, table, key), [value])
    # ruleid: python-sql-string-formatting
    cursor.execute("UPDATE users SET name = '%s' WHERE id = %%s" % name, [user_id])
    # ok: python-sql-string-formatting
    cursor.execute("SELECT 1 FROM seqs WHERE name = '%(sq)s'" % {"sq": sequence_of(model._meta.db_table)})


def run(cmd, directory):
    # ruleid: python-subprocess-shell-true
    subprocess.run("tar czf backup.tgz " + directory, shell=True)
    # ok: python-subprocess-shell-true
    subprocess.run("git log -1 --format=%ct", shell=True, capture_output=True)
    # ok: python-subprocess-shell-true
    subprocess.run(["tar", "czf", "backup.tgz", directory])
    # ruleid: python-os-system
    os.system("rm -rf " + directory)
    # ruleid: python-os-system
    os.popen("ls " + directory)
    # ok: python-os-system
    os.system("uptime")
    # ok: python-os-system
    os.system(cmd)
    # ok: python-subprocess-shell-true
    subprocess.Popen(cmd, shell=True)
    quoted = "vim {}".format(shlex.quote(directory))
    # ok: python-subprocess-shell-true
    subprocess.Popen(quoted, shell=True)
    # ok: python-subprocess-shell-true
    subprocess.run("tar czf backup.tgz " + shlex.quote(directory), shell=True)
    # ok: python-os-system
    os.system("rm -rf " + shlex.quote(directory))
    # ruleid: python-subprocess-shell-true
    subprocess.check_output(f"du -sh {directory}", shell=True)
    # ruleid: python-os-system
    os.system("chmod -R %s /srv" % directory)
    # ruleid: python-os-system
    os.popen("find {} -name core".format(directory))


def run_script(directory):
    command = "rsync -a " + directory + " /backup"
    # ruleid: python-subprocess-shell-true
    subprocess.call(command, shell=True)
    line = "ls"
    line += directory
    # ruleid: python-os-system
    os.system(line)
    fixed = "make"
    fixed += " all"
    # ok: python-os-system
    os.system(fixed)
    safe = "ls " + shlex.quote(directory)
    # ok: python-os-system
    os.system(safe)


def page(text, pager_cmd):
    pager_cmd += " +" + str(len(text))
    # ok: python-subprocess-shell-true
    subprocess.Popen(pager_cmd, shell=True)


def from_input():
    # ruleid: python-os-system
    os.system(sys.argv[1])
    answer = input("host? ")
    # ruleid: python-subprocess-shell-true
    subprocess.run(answer, shell=True)


@app.route("/ping")
def ping():
    host = request.args.get("host")
    # ruleid: python-subprocess-shell-true
    subprocess.run(host, shell=True)
    # ruleid: python-os-system
    os.system(request.form["command"])


def django_view(request):
    # ruleid: python-subprocess-shell-true
    subprocess.check_call(request.GET["cmd"], shell=True)


@app.route("/calculate")
def calculate():
    expression = request.args.get("expression")
    # ruleid: python-eval-injection
    eval(expression)
    # ruleid: python-eval-injection
    exec("result = " + request.form["source"])
    # ok: python-eval-injection
    eval("1 + 2")


def run_command(options):
    # ok: python-eval-injection
    exec(options["command"], globals())


def time_statement(tree):
    # ok: python-eval-injection
    exec(compile(tree.body, "<timeit>", "exec"))


@app.route("/download")
def download():
    name = request.args.get("name")
    # ruleid: python-path-traversal
    with open("/srv/files/" + name) as handle:
        data = handle.read()
    # ruleid: python-path-traversal
    send_file(os.path.join("/srv/files", name))
    # ok: python-path-traversal
    send_file(os.path.join("/srv/files", secure_filename(name)))
    # ok: python-path-traversal
    open(os.path.join("/srv/files", os.path.basename(name)))
    return data


def django_delete(request):
    # ruleid: python-path-traversal
    os.remove(request.GET["file"])
    # ok: python-path-traversal
    os.remove("/tmp/cache.db")
    # ok: python-path-traversal
    open(os.path.join("/srv/files", validate_path_is_safe(request.GET["file"])))


@app.route("/fetch")
def fetch():
    url = request.args["url"]
    # ruleid: python-ssrf
    requests.get(url, timeout=5)
    # ok: python-ssrf
    requests.get("https://api.example.com/status", timeout=5)
    # ok: python-ssrf
    requests.get("https://api.example.com/items", params={"q": url}, timeout=5)
    return "ok"


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: python-xss
    render_template_string("<h1>Hello " + name + "</h1>")
    # ruleid: python-xss
    page = Markup("<b>%s</b>" % name)
    # ok: python-xss
    render_template_string("<h1>Hello {{ name }}</h1>", name=name)
    # ok: python-xss
    make_response(render_template("hello.html", name=name))
    # ok: python-xss
    make_response(jsonify({"name": name}), 201)
    # ok: python-xss
    Markup(name).unescape()
    # ok: python-xss
    text = make_response("Hello " + name)
    text.headers["Content-Type"] = "text/plain; charset=utf-8"
    # ruleid: python-xss
    make_response("<p>" + name + "</p>", 400)
    return page


def django_hello(request):
    # ruleid: python-xss
    mark_safe("<b>" + request.GET.get("name") + "</b>")
    # ruleid: python-xss
    return HttpResponse("Hello " + request.GET["name"])


def digests(data, password):
    # ruleid: python-weak-hash
    hashlib.md5(password).hexdigest()
    # ruleid: python-weak-hash
    hashlib.sha1((salt + password).encode())
    # ok: python-weak-hash
    hashlib.sha1(data)
    # ok: python-weak-hash
    hashlib.new("md5", data)


def sign_token(data):
    # ruleid: python-weak-hash
    hashlib.new("md5", data)
    # ok: python-weak-hash
    hashlib.sha1(os.urandom(64)).hexdigest()
    # ruleid: python-weak-hash
    return hashlib.sha1(data).hexdigest()


def _tokenize(data):
    # ok: python-weak-hash
    return hashlib.sha1(data).hexdigest()


def digests_for_keys(data):
    # ok: python-weak-hash
    hashlib.md5(data, usedforsecurity=False)
    # ok: python-weak-hash
    hashlib.sha256(data)


def ciphers(key, iv):
    # ruleid: python-weak-cipher
    DES.new(key, DES.MODE_CBC, iv)
    # ruleid: python-weak-cipher
    ARC4.new(key)
    # ruleid: python-weak-cipher
    AES.new(key, AES.MODE_ECB)
    # ruleid: python-weak-cipher
    algorithms.TripleDES(key)
    # ruleid: python-weak-cipher
    modes.ECB()
    # ok: python-weak-cipher
    AES.new(key, AES.MODE_GCM, nonce=iv)
    # ok: python-weak-cipher
    modes.GCM(iv)


def load(blob, text):
    # ruleid: python-unsafe-deserialization
    pickle.loads(blob)
    # ruleid: python-unsafe-deserialization
    marshal.loads(blob)
    # ruleid: python-unsafe-deserialization
    yaml.load(text)
    # ruleid: python-unsafe-deserialization
    yaml.load(text, Loader=yaml.Loader)
    # ok: python-unsafe-deserialization
    yaml.safe_load(text)
    # ok: python-unsafe-deserialization
    pickle.loads(pickle.dumps(blob))
    copy = pickle.dumps(blob)
    # ok: python-unsafe-deserialization
    pickle.loads(copy)
    # ok: python-unsafe-deserialization
    pickle.loads(self._cache[key])
    pickled = self._cache[key]
    # ok: python-unsafe-deserialization
    pickle.loads(pickled)
    with lock:
        kept = self._cache[key]
    # ok: python-unsafe-deserialization
    pickle.loads(kept)
    # ruleid: python-unsafe-deserialization
    pickle.loads(self.client.get(key))
    # ok: python-unsafe-deserialization
    yaml.load(text, Loader=yaml.SafeLoader)


def insecure_tls(url):
    # ruleid: python-tls-verification-disabled
    requests.get(url, verify=False)
    # ruleid: python-tls-verification-disabled
    context = ssl._create_unverified_context()
    # ok: python-tls-verification-disabled
    context.check_hostname = False
    # ruleid: python-tls-verification-disabled
    context.verify_mode = ssl.CERT_NONE
    # ok: python-tls-verification-disabled
    requests.get(url, verify="/etc/ssl/internal-ca.pem")
    # ok: python-tls-verification-disabled
    context.verify_mode = ssl.CERT_REQUIRED


# ruleid: python-django-debug
DEBUG = True


def configure(settings):
    # ok: python-django-debug
    DEBUG = True
    return DEBUG


if __name__ == "__main__":
    # ruleid: python-flask-debug
    app.run(debug=True)
    # ok: python-flask-debug
    app.run(debug=False)
