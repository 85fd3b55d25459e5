"""Not hostile: prints from an atexit function and a non-daemon thread, as a fresh
interpreter would let it."""
import atexit
import threading
import time

from torch import nn

atexit.register(lambda: print("bye from atexit", flush=True))
threading.Thread(target=lambda: (time.sleep(0.2), print("bye from a thread", flush=True))
                 ).start()


class LSTMCell(nn.Module):
    pass
