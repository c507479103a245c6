// semgrep --test cases for javascript.yaml in TypeScript: typed Express handlers. Not run as code.
import express, { Request, Response } from "express";
import * as fs from "fs";
import { execSync } from "child_process";
import * as cp from "node:child_process";
import * as serialize from "node-serialize";

const app = express();

app.get("/report/:id", async (req: Request, res: Response) => {
  // ruleid: js-sql-injection
  const rows = await pool.query(`SELECT * FROM reports WHERE id = ${req.params.id}`);
  // ruleid: js-path-traversal
  const template = fs.readFileSync("templates/" + req.query.template, "utf8");
  // ruleid: js-express-xss
  res.send(template + req.query.title);
  // ok: js-express-xss
  res.json(rows);
});

export function restore(state: string): unknown {
  // ruleid: js-insecure-deserialization
  return serialize.unserialize(state);
}

export function archive(dir: string): void {
  // ruleid: js-child-process-exec
  execSync("tar czf out.tgz " + dir);
  // ruleid: js-child-process-exec
  cp.exec(`du -sh ${dir}`);
  // ok: js-child-process-exec
  cp.execFile("du", ["-sh", dir]);
  // ok: js-child-process-exec
  /^v(\d+)/.exec(dir);
}
