#!/usr/bin/env python
import sys

import PAM

auth = PAM.pam()
auth.start("passwd")
try:
    auth.authenticate()
except PAM.error as resp:
    print("Go away! (%s)" % resp)
    sys.exit(1)
print("Good to go!")
