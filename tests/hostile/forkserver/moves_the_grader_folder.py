"""Renames the folder that holds the grader's mount points (its home and code), which the
cleanup cannot put back: the fork server must then be discarded, not reused."""
import os

from torch import nn

os.rename(os.path.dirname(os.environ["HOME"]), "/tmp/moved")
print("MOVED")


class LSTMCell(nn.Module):
    pass
