import torch

while True:  # trains forever at import time
    pass
