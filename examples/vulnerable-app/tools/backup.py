"""Nightly backup helper of the example app. Deliberately vulnerable: see ../README.md."""

import os
import subprocess


def backup(directory):
    # Command injection: the directory name reaches a shell.
    subprocess.run("tar czf /tmp/backup.tgz " + directory, shell=True, check=True)


def cleanup(pattern):
    os.system("rm -f /tmp/" + pattern)
