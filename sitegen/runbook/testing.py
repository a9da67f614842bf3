"""A throwaway OpenSSH server on 127.0.0.1 for tests and benchmarks of SSH runbooks.

Real sshd, generated host and client keys, a free port and a client ssh_config to pass
with `--ssh-config`; nothing outside its temporary directory is touched (except creating
/run/sshd, which sshd insists on when started as root).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SSHD = "/usr/sbin/sshd"


class SSHDUnavailable(RuntimeError):
    """sshd or ssh-keygen is not installed, or the server did not come up."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LoopbackSSHD:
    """Start with `with LoopbackSSHD() as server:`; use `server.destination` and
    `server.ssh_config`."""

    def __init__(self, workdir: str | Path | None = None, user: str | None = None,
                 user_environment: bool = False) -> None:
        self._own_dir = workdir is None
        self.dir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="sg-sshd-"))
        self.port = free_port()
        self.user = user or getpass.getuser()
        """Who logs in. Another user than the current one (root only) gets the client key in
        their own ~/.ssh/authorized_keys, since sshd reads it with that user's rights."""
        self.user_environment = user_environment
        """PermitUserEnvironment: the user's ~/.ssh/environment sets variables (PATH) of sessions."""
        self.proc: subprocess.Popen[bytes] | None = None
        self.ssh_config = self.dir / "ssh_config"
        """Client configuration (keys, known_hosts) to pass as `--ssh-config`."""
        self.log = self.dir / "sshd.log"

    @property
    def destination(self) -> str:
        """`user@127.0.0.1:port`, as a runbook host's `ssh:` would say it."""
        return f"{self.user}@127.0.0.1:{self.port}"

    def start(self) -> LoopbackSSHD:
        for tool in (SSHD, "ssh-keygen", "ssh"):
            if shutil.which(tool) is None:
                raise SSHDUnavailable(f"{tool} is not installed (apt-get install openssh-server)")
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        for name in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(self.dir / name)],
                           check=True, capture_output=True)
        (self.dir / "authorized_keys").write_text((self.dir / "client_key.pub").read_text())
        if self.user != getpass.getuser():
            self._authorize_other_user()
        host_key = (self.dir / "host_key.pub").read_text().split()
        (self.dir / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_key[0]} {host_key[1]}\n")
        config = self.dir / "sshd_config"
        config.write_text(
            f"ListenAddress 127.0.0.1\n"
            f"Port {self.port}\n"
            f"HostKey {self.dir / 'host_key'}\n"
            f"AuthorizedKeysFile .ssh/authorized_keys {self.dir / 'authorized_keys'}\n"
            f"PermitUserEnvironment {'yes' if self.user_environment else 'no'}\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            f"PidFile {self.dir / 'sshd.pid'}\n"
            "StrictModes no\n"
            "PermitRootLogin yes\n"
            "UsePAM no\n"
            "MaxSessions 50\n"
            # Lets a test give remote jobs a private temporary directory (ssh -o SetEnv).
            "AcceptEnv TMPDIR\n"
        )
        self.ssh_config.write_text(
            "Host *\n"
            f"  IdentityFile {self.dir / 'client_key'}\n"
            "  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {self.dir / 'known_hosts'}\n"
            "  StrictHostKeyChecking yes\n"
            "  LogLevel ERROR\n"
        )
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=log, stderr=log,
                                         start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SSHDUnavailable(f"sshd exited at start: {self.log.read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SSHDUnavailable("sshd did not start listening within 15s")

    def _authorize_other_user(self) -> None:
        import pwd

        entry = pwd.getpwnam(self.user)
        ssh_dir = Path(entry.pw_dir) / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        keys = ssh_dir / "authorized_keys"
        # Appended, not replaced: another server (a parallel test session) may be using that
        # user's earlier key right now.
        with keys.open("a") as out:
            out.write((self.dir / "client_key.pub").read_text())
        for path in (ssh_dir, keys):
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def connection_pids(self) -> list[int]:
        """sshd processes serving connections (children of the listener); killing one drops
        that connection like a network failure would."""
        if self.proc is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name may contain spaces; fields after the closing ")" are fixed.
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.proc.pid:
                pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            for pid in self.connection_pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> LoopbackSSHD:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
