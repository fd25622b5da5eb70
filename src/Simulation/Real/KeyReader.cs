using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation.Real;

/// <summary><c>KEYCTL_READ</c> of <paramref name="key"/> into <paramref name="destination"/>, the caller's or a session's.</summary>
internal delegate KeyringResult<int> KeyReader(KeySerial key, Span<byte> destination);
