using System.Security.Cryptography;
using System.Text;

namespace Custos.DataPlane.Storage;

/// The platform's two long-lived keys: the key-encryption key (KEK) that wraps every
/// organization's data key, and the signing key of purge certificates. Both are generated on first
/// run (mode 0600, written to a temporary file and renamed into place, so a crash never leaves half
/// a key and two processes starting together end up with the same key) and loaded afterwards.
public sealed class PlatformKeys : IDisposable
{
    public const int KeyBytes = 32;

    private readonly byte[] _kek;

    private PlatformKeys(byte[] kek, ECDsa signing)
    {
        _kek = kek;
        Signing = signing;
        KeyEncryptionKeyId = Convert.ToHexStringLower(SHA256.HashData([.. "custos-kek-id"u8, .. kek]))[..16];
        SigningPublicKey = signing.ExportSubjectPublicKeyInfo();
        SigningKeyId = Convert.ToHexStringLower(SHA256.HashData(SigningPublicKey))[..16];
    }

    /// Names the KEK without revealing it (stored beside every wrapped key).
    public string KeyEncryptionKeyId { get; }

    public ECDsa Signing { get; }

    /// SubjectPublicKeyInfo (DER) of the signing key: what a verifier needs.
    public byte[] SigningPublicKey { get; }

    public string SigningKeyId { get; }

    internal ReadOnlySpan<byte> KeyEncryptionKey => _kek;

    public static PlatformKeys LoadOrCreate(StorageOptions options)
    {
        var kek = LoadOrCreateFile(options.KeyEncryptionKeyPath, () => RandomNumberGenerator.GetBytes(KeyBytes));
        if (kek.Length != KeyBytes)
        {
            throw new InvalidOperationException($"The key-encryption key at {options.KeyEncryptionKeyPath} is not {KeyBytes} bytes long.");
        }

        var pem = LoadOrCreateFile(options.SigningKeyPath, () =>
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return Encoding.ASCII.GetBytes(fresh.ExportPkcs8PrivateKeyPem());
        });
        var signing = ECDsa.Create();
        signing.ImportFromPem(Encoding.ASCII.GetString(pem));
        if (signing.KeySize != 256)
        {
            throw new InvalidOperationException($"The signing key at {options.SigningKeyPath} is not an ECDSA P-256 key.");
        }

        return new PlatformKeys(kek, signing);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_kek);
        Signing.Dispose();
    }

    private static byte[] LoadOrCreateFile(string path, Func<byte[]> create)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidOperationException("A platform key path is not configured.");
        }

        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + ".tmp";
        var bytes = create();
        try
        {
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(temp, fileOptions))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }

            // Never overwrite: if another process won the race, its key is the key.
            File.Move(temp, path, overwrite: false);
            return bytes;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
