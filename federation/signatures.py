"""Actor keys (and, with federation, HTTP signatures): the one place that does RSA for ActivityPub."""
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_SIZE = 2048


def generate_keypair() -> tuple[str, str]:
    """A new RSA 2048 pair as (PKCS#8 private PEM, SPKI public PEM), the formats PeerTube reads."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private_pem, public_pem
