// Web helper of the example app. Deliberately vulnerable: see ../README.md.
const childProcess = require("child_process");
const _ = require("lodash");

function thumbnail(file, done) {
  // Command injection: the file name reaches a shell.
  childProcess.exec("convert " + file + " -resize 64x64 thumb.png", done);
}

module.exports = { thumbnail, merge: _.merge };
