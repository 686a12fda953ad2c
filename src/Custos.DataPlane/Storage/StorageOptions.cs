namespace Custos.DataPlane.Storage;

/// Where backup storage keeps its packs and platform keys, and how it cuts packs and chunks.
/// A host fills the paths from its data path (see <see cref="ForDataPath"/>).
public sealed class StorageOptions
{
    public const long MiB = 1024 * 1024;

    /// `{DataPath}/blobs`: one folder per organization below it.
    public string BlobPath { get; set; } = "";

    /// The 256-bit key-encryption key; generated on first run.
    public string KeyEncryptionKeyPath { get; set; } = "";

    /// The ECDSA P-256 key that signs purge certificates (PKCS#8 PEM); generated on first run.
    public string SigningKeyPath { get; set; } = "";

    /// Spool files of messages being stored (deleted on close).
    public string TempPath { get; set; } = "";

    /// A pack is sealed once it reaches this size (16–64 MiB in production; tests use small packs).
    public long PackTargetBytes { get; set; } = 32 * MiB;

    /// No pack grows beyond this.
    public long PackMaxBytes { get; set; } = 64 * MiB;

    /// Plaintext bytes per encrypted chunk: bounds the memory one blob needs.
    public int ChunkBytes { get; set; } = (int)MiB;

    /// Messages up to this size are spooled in memory while they are stored (larger ones, and
    /// their large parts, go through private scratch files under <see cref="TempPath"/>).
    public int InMemoryMessageBytes { get; set; } = 4 * (int)MiB;

    /// zstd level.
    public int CompressionLevel { get; set; } = 3;

    public static StorageOptions ForDataPath(string dataPath) => new()
    {
        BlobPath = Path.Combine(dataPath, "blobs"),
        KeyEncryptionKeyPath = Path.Combine(dataPath, "keys", "storage-kek.key"),
        SigningKeyPath = Path.Combine(dataPath, "keys", "platform-signing.pem"),
        TempPath = Path.Combine(dataPath, "tmp"),
    };

    /// The production bounds: packs of 16–64 MiB, chunks far smaller than a pack.
    public void Validate()
    {
        if (PackTargetBytes < 16 * MiB || PackTargetBytes > 64 * MiB || PackMaxBytes > 64 * MiB || PackMaxBytes < PackTargetBytes)
        {
            throw new InvalidOperationException("Custos:Storage: PackTargetMiB must be between 16 and 64 and not above the pack maximum of 64 MiB.");
        }

        if (ChunkBytes < 64 * 1024 || ChunkBytes > 8 * MiB)
        {
            throw new InvalidOperationException("Custos:Storage: chunks must be between 64 KiB and 8 MiB.");
        }
    }
}
