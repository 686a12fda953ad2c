using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data;

/// A partner's key for the REST API. It acts for its partner with a role, like a partner user
/// (never Administrator: see docs/api.md). The secret is stored only as its SHA-256 hash; the
/// <see cref="LookupId"/> (public, part of the key) finds the row, then the hash is compared in
/// constant time. Webhook endpoints belong to the partner the same way (PartnerId).
public sealed class PartnerApiKey
{
    public const int MaxNameLength = 100;
    public const int LookupIdLength = 12;

    private PartnerApiKey()
    {
        Name = "";
        LookupId = "";
        SecretHash = "";
        CreatedByName = "";
        CreatedByEmail = "";
    }

    public Guid Id { get; private set; }

    public Guid PartnerId { get; private set; }

    public string Name { get; private set; }

    public PartnerRole Role { get; private set; }

    /// The public part of the key ("cpk_{LookupId}_{secret}"), unique; shown in the list.
    public string LookupId { get; private set; }

    /// Lower-case hex SHA-256 of the secret part.
    public string SecretHash { get; private set; }

    public Guid CreatedByUserId { get; private set; }

    public string CreatedByName { get; private set; }

    /// Where the key's CSV export mails go: the person who created it.
    public string CreatedByEmail { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// Updated at most once a minute (see ApiKeyAuthentication).
    public DateTimeOffset? LastUsedAt { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public string? RevokedByName { get; private set; }

    public bool IsRevoked => RevokedAt is not null;

    public static PartnerApiKey Issue(
        Guid partnerId, string name, PartnerRole role, string lookupId, string secretHash,
        Guid createdByUserId, string createdByName, string createdByEmail, DateTimeOffset now) => new()
        {
            Id = Guid.CreateVersion7(now),
            PartnerId = partnerId,
            Name = name,
            Role = role,
            LookupId = lookupId,
            SecretHash = secretHash,
            CreatedByUserId = createdByUserId,
            CreatedByName = createdByName,
            CreatedByEmail = createdByEmail,
            CreatedAt = now,
        };

    /// False when the key was already revoked.
    public bool Revoke(string byName, DateTimeOffset now)
    {
        if (IsRevoked)
        {
            return false;
        }

        RevokedAt = now;
        RevokedByName = byName;
        return true;
    }
}

public enum IdempotencyState
{
    InProgress = 0,
    Completed = 1,
}

/// The first answer to a POST with an Idempotency-Key, kept per API key for a day so a retry with
/// the same key and body gets the same answer (see docs/api.md).
public sealed class IdempotencyRecord
{
    public const int MaxKeyLength = 200;

    public long Id { get; set; }

    public Guid ApiKeyId { get; set; }

    public string Key { get; set; } = "";

    /// SHA-256 (hex) of the method, path and body.
    public string RequestHash { get; set; } = "";

    public IdempotencyState State { get; set; }

    public int StatusCode { get; set; }

    public string? ContentType { get; set; }

    public string? Location { get; set; }

    public string? ETag { get; set; }

    public byte[]? Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

internal static class ApiKeyModel
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<PartnerApiKey>(e =>
        {
            e.ToTable("PartnerApiKeys");
            e.HasKey(k => k.Id);
            e.Property(k => k.Name).HasMaxLength(PartnerApiKey.MaxNameLength);
            e.Property(k => k.Role).HasConversion<string>().HasMaxLength(24);
            e.Property(k => k.LookupId).HasMaxLength(PartnerApiKey.LookupIdLength);
            e.HasIndex(k => k.LookupId).IsUnique();
            e.Property(k => k.SecretHash).HasMaxLength(64);
            e.Property(k => k.CreatedByName).HasMaxLength(256);
            e.Property(k => k.CreatedByEmail).HasMaxLength(256);
            e.Property(k => k.RevokedByName).HasMaxLength(256);
            e.Ignore(k => k.IsRevoked);
            e.HasIndex(k => new { k.PartnerId, k.CreatedAt });
            e.HasOne<Partner>().WithMany().HasForeignKey(k => k.PartnerId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<IdempotencyRecord>(e =>
        {
            e.ToTable("IdempotencyRecords");
            e.HasKey(r => r.Id);
            e.Property(r => r.Key).HasMaxLength(IdempotencyRecord.MaxKeyLength);
            e.Property(r => r.RequestHash).HasMaxLength(64);
            e.Property(r => r.State).HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.ContentType).HasMaxLength(200);
            e.Property(r => r.Location).HasMaxLength(2000);
            e.Property(r => r.ETag).HasMaxLength(100);
            e.HasIndex(r => new { r.ApiKeyId, r.Key }).IsUnique();
            e.HasIndex(r => r.ExpiresAt);
            e.HasOne<PartnerApiKey>().WithMany().HasForeignKey(r => r.ApiKeyId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
