"""Mutual TLS between services: server and channel credentials from one certificate, its key
and the CA that signs every peer's certificate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc


@dataclass(frozen=True, repr=False)
class MutualTls:
    """A process's certificate chain and key (PEM), and the CA its peers must be signed by."""

    certificate: bytes
    private_key: bytes
    ca: bytes

    @classmethod
    def read(cls, *, certificate: Path, private_key: Path, ca: Path) -> MutualTls:
        """Reads the three PEM files; fails naming the file that cannot be read."""
        contents = []
        for setting, path in (
            ("VESTIBULE_TLS_CERT_FILE", certificate),
            ("VESTIBULE_TLS_KEY_FILE", private_key),
            ("VESTIBULE_TLS_CA_FILE", ca),
        ):
            try:
                contents.append(path.read_bytes())
            except OSError as error:
                raise ValueError(
                    f"{setting}: cannot read {path} ({error.strerror}). Point it at a PEM file "
                    "this process may read, e.g. a mounted certificate Secret."
                ) from None
        return cls(*contents)

    def server_credentials(self) -> grpc.ServerCredentials:
        """Credentials that present this certificate and refuse clients without one from the CA."""
        return grpc.ssl_server_credentials(
            [(self.private_key, self.certificate)],
            root_certificates=self.ca,
            require_client_auth=True,
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        """Credentials that verify the server against the CA and present this certificate."""
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca,
            private_key=self.private_key,
            certificate_chain=self.certificate,
        )
