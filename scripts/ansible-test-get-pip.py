"""Stand-in for the pip bootstrap script ansible-test downloads from a host this machine cannot
reach. ansible-test runs it inside a fresh virtual environment with pip's own arguments
(``pip==X.Y`` plus options); we seed pip from the standard library's ensurepip and let that pip
install the exact version asked for from PyPI."""

import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)
