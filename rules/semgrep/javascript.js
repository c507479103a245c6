// semgrep --test cases for javascript.yaml: `ruleid:` marks the next line as a finding of that
// rule, `ok:` as none. Not run as code.
const childProcess = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const he = require("he");
const https = require("https");
const path = require("path");
const vm = require("vm");
const axios = require("axios");
const express = require("express");
const errorhandler = require("errorhandler");
const serialize = require("node-serialize");
const yaml = require("js-yaml");

const app = express();

function findUser(db, id, name) {
  // ruleid: js-sql-injection
  db.query("SELECT * FROM users WHERE id = '" + id + "'");
  // ruleid: js-sql-injection
  db.query(`SELECT * FROM users WHERE name = '${name}'`);
  const sql = "DELETE FROM users WHERE id = " + id;
  // ruleid: js-sql-injection
  db.execute(sql);
  // ok: js-sql-injection
  db.query("SELECT * FROM users WHERE id = $1", [id]);
  // ok: js-sql-injection
  db.query("SELECT count(*) FROM users");
}

function thumbnail(file, done) {
  // ruleid: js-child-process-exec
  childProcess.exec("convert " + file + " thumb.png", done);
  // ok: js-child-process-exec
  childProcess.execFile("convert", [file, "thumb.png"], done);
  // ok: js-child-process-exec
  childProcess.exec("uptime", done);
  // ruleid: js-child-process-exec
  childProcess.execSync(`gzip ${file}`);
  // ruleid: js-child-process-exec
  require("node:child_process").exec("rm " + file);
}

function run(cmd, options, done) {
  // ok: js-child-process-exec
  return childProcess.exec(cmd, options, done);
}

function notAShell(input, Users) {
  // ok: js-child-process-exec
  const match = /(\d+)-(\d+)/.exec(input);
  const pattern = new RegExp("^[a-z]+$");
  // ok: js-child-process-exec
  pattern.exec(input);
  // ok: js-child-process-exec
  return Users.findOne({ name: input }).exec(match);
}

function install() {
  const pm = which("npm") ? "npm" : "bun";
  // ok: js-child-process-exec
  childProcess.execSync(pm + " install --no-save " + PACKAGES.join(" "));
}

function rotational(device) {
  const name = util.sanitizeShellString(device.name);
  // ok: js-child-process-exec
  childProcess.execSync("cat /sys/block/" + name + "/queue/rotational");
}

function destructured(file) {
  const { exec } = require("child_process");
  // ruleid: js-child-process-exec
  exec("convert " + file);
}

app.post("/calculate", (req, res) => {
  const expression = req.query.expression;
  const body = req.body.code;
  // ruleid: js-eval
  eval(expression);
  // ok: js-eval
  eval("1 + 2");
  // ruleid: js-dynamic-code
  const f = new Function("a", body);
  // ruleid: js-dynamic-code
  vm.runInNewContext(expression, {});
  // ruleid: js-dynamic-code
  setTimeout("update(" + expression + ")", 100);
  // ok: js-dynamic-code
  setTimeout(res.end, 100);
  // ok: js-dynamic-code
  setTimeout(() => console.log(expression), 100);
  // ok: js-dynamic-code
  setTimeout(() => { log("waited " + expression); }, 100);
  // ruleid: js-dynamic-code
  setInterval(`poll(${expression})`, 1000);
  // ok: js-dynamic-code
  new Function("a", "return a * 2");
  res.json(f);
});

function compile(source, data) {
  // ok: js-eval
  eval(source);
  // ok: js-dynamic-code
  return new Function("data", source)(data);
}

function fromUrl() {
  // ruleid: js-eval
  eval(location.hash.slice(1));
}

app.get("/download", (req, res) => {
  const name = req.query.name;
  // ruleid: js-path-traversal
  fs.readFile(path.join(__dirname, "files", name), (err, data) => res.end(data));
  // ruleid: js-path-traversal
  res.sendFile("/srv/files/" + req.params.file);
  // ok: js-path-traversal
  fs.readFileSync(path.join(__dirname, "files", path.basename(name)));
  // ok: js-path-traversal
  fs.readFileSync(path.join(__dirname, "index.html"));
  // ok: js-path-traversal
  res.sendFile(req.params.file, { root: path.join(__dirname, "files") });
  const options = { root: path.join(__dirname, "files"), dotfiles: "deny" };
  // ok: js-path-traversal
  res.sendFile(req.params[0], options);
});

app.post("/fetch", async function (req, res) {
  // ruleid: js-ssrf
  const answer = await axios.get(req.body.url);
  // ruleid: js-ssrf
  https.get("https://" + req.query.host + "/status");
  // ok: js-ssrf
  await fetch("https://api.example.com/status");
  res.json(answer.data);
});

app.get("/hello", function hello(req, res) {
  // ruleid: js-express-xss
  res.send("<h1>Hello " + req.query.name + "</h1>");
  // ok: js-express-xss
  res.send("<h1>Hello " + escapeHtml(req.query.name) + "</h1>");
  // ok: js-express-xss
  res.json({ name: req.query.name });
  // ok: js-express-xss
  res.end(JSON.stringify({ headers: req.headers }));
  // ok: js-express-xss
  res.end("<h1>Index of " + he.encode(req.url) + "</h1>");
});

function open(opts, cb) {
  // ok: js-ssrf
  https.get(opts.headers.location, cb);
}

function render(element) {
  const comment = decodeURIComponent(location.hash.slice(1));
  // ruleid: js-dom-xss-sink
  element.innerHTML = "<p>" + comment + "</p>";
  // ruleid: js-dom-xss-sink
  document.write(new URLSearchParams(location.search).get("q"));
  // ruleid: js-dom-xss-sink
  element.insertAdjacentHTML("beforeend", localStorage.getItem("draft"));
  window.addEventListener("message", (event) => {
    // ruleid: js-dom-xss-sink
    element.innerHTML = event.data.html;
  });
  // ok: js-dom-xss-sink
  element.innerHTML = "<p>loading</p>";
  // ok: js-dom-xss-sink
  element.innerHTML = DOMPurify.sanitize(comment);
  // ok: js-dom-xss-sink
  element.textContent = comment;
}

function html(elem, value) {
  // ok: js-dom-xss-sink
  elem.innerHTML = value;
}

function uuidV3(name) {
  // ok: js-weak-hash
  return crypto.createHash("md5").update(name).digest();
}

function passwordDigest(data, key, iv) {
  // ruleid: js-weak-hash
  crypto.createHash("md5").update(data).digest("hex");
  // ruleid: js-weak-hash
  crypto.createHash("sha1");
  // ok: js-weak-hash
  crypto.createHash("sha256");
  // ruleid: js-weak-cipher
  crypto.createCipheriv("des-cbc", key, iv);
  // ruleid: js-weak-cipher
  crypto.createCipheriv("aes-128-ecb", key, null);
  // ruleid: js-weak-cipher
  crypto.createCipher("aes-256-cbc", key);
  // ok: js-weak-cipher
  crypto.createCipheriv("aes-256-gcm", key, iv);
}

function load(cookie, text) {
  // ruleid: js-insecure-deserialization
  serialize.unserialize(cookie);
  // ruleid: js-insecure-deserialization
  yaml.load(text, { schema: yaml.DEFAULT_FULL_SCHEMA });
  // ok: js-insecure-deserialization
  yaml.load(text);
  // ok: js-insecure-deserialization
  JSON.parse(cookie);
}

function insecureAgent() {
  // ruleid: js-tls-verification-disabled
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  // ruleid: js-tls-verification-disabled
  return new https.Agent({ keepAlive: true, rejectUnauthorized: false });
}

// ok: js-tls-verification-disabled
const agent = new https.Agent({ rejectUnauthorized: true });

// ruleid: js-express-debug-errors
app.use(errorhandler());

if (process.env.NODE_ENV === "development") {
  // ok: js-express-debug-errors
  app.use(errorhandler({ log: true }));
}
