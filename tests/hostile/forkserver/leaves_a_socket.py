"""Closes a loopback TCP connection first from its own side, leaving a TIME_WAIT entry in the
sandbox's network namespace that outlives the process (a later submission that binds the
same port would fail)."""
import socket

from torch import nn

server = socket.socket()
server.bind(("127.0.0.1", 45678))
server.listen()
client = socket.create_connection(("127.0.0.1", 45678))
conn, _ = server.accept()
client.close()
conn.close()
server.close()
print("SOCKET closed")


class LSTMCell(nn.Module):
    pass
