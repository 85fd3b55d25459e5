"""Kills the fork server (pid 2 in the sandbox) that forked it."""
import os
import signal

from torch import nn

os.kill(2, signal.SIGKILL)


class LSTMCell(nn.Module):
    pass
