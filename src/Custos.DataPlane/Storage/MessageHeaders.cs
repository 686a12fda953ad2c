using System.Buffers.Binary;
using System.Text;
using Custos.Data.Storage;

namespace Custos.DataPlane.Storage;

/// The Subject and From of a backed-up message as restore pages show and search them, kept in the
/// index sealed with the organization's data key (<see cref="BackedUpMessage.SealedHeaders"/>).
/// The row's ID is the associated data, so a sealed value cannot be moved to another row.
public sealed record MessageHeaders(string Subject, string From)
{
    /// Chunk number used as associated data; content chunks are numbered from 0.
    private const int HeaderSeq = -1;

    /// Cut to the index's limit, trimmed.
    public static MessageHeaders Of(string? subject, string? from) => new(Cut(subject), Cut(from));

    public byte[] Seal(DataKeyMaterial key, Guid rowId)
    {
        var subject = Encoding.UTF8.GetBytes(Subject);
        var from = Encoding.UTF8.GetBytes(From);
        var plain = new byte[4 + subject.Length + from.Length];
        BinaryPrimitives.WriteInt32LittleEndian(plain, subject.Length);
        subject.CopyTo(plain, 4);
        from.CopyTo(plain, 4 + subject.Length);
        return key.Seal(rowId.ToByteArray(), HeaderSeq, plain);
    }

    /// Throws <see cref="System.Security.Cryptography.AuthenticationTagMismatchException"/> under a wrong key or row.
    public static MessageHeaders Open(DataKeyMaterial key, Guid rowId, byte[] sealedHeaders)
    {
        var plain = key.Open(rowId.ToByteArray(), HeaderSeq, sealedHeaders);
        var subjectLength = BinaryPrimitives.ReadInt32LittleEndian(plain);
        return new MessageHeaders(
            Encoding.UTF8.GetString(plain, 4, subjectLength),
            Encoding.UTF8.GetString(plain, 4 + subjectLength, plain.Length - 4 - subjectLength));
    }

    private static string Cut(string? value)
    {
        var text = (value ?? "").Trim();
        return text.Length <= BackedUpMessage.MaxHeaderLength ? text : text[..BackedUpMessage.MaxHeaderLength];
    }
}
