using System.Text.Json;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.ApiKeys;

public sealed record CreateApiKeyRequest(ActingUser Acting, string? Name, PartnerRole? Role);

/// The key is returned here once; the database keeps only the secret's hash.
public sealed record IssuedApiKey(PartnerApiKey Entity, string Key);

/// Owners and full administrators create keys for their own partner, with any role they could give
/// a user (only an owner gives Owner), except Administrator (see <see cref="AdministratorKeyRefused"/>).
public sealed class CreateApiKey(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<IssuedApiKey>> HandleAsync(CreateApiKeyRequest request, CancellationToken ct)
    {
        var acting = await PartnerAdministration.AdminAsync(db, request.Acting, ct);
        if (acting.Error is not null)
        {
            return acting.Error;
        }

        var admin = acting.Value!;
        var errors = new List<FieldError>();
        var name = request.Name?.Trim() ?? "";
        if (name.Length == 0)
        {
            errors.Add(new FieldError("name", "Name is required."));
        }
        else if (name.Length > PartnerApiKey.MaxNameLength || TextKey.HasControlCharacters(name))
        {
            errors.Add(new FieldError("name", $"Name must be at most {PartnerApiKey.MaxNameLength} characters of plain text."));
        }

        if (request.Role is not { } role)
        {
            errors.Add(new FieldError("role", "Choose a role from the list."));
            return new ValidationFailed(errors);
        }

        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        if (role == PartnerRole.Administrator)
        {
            return new AdministratorKeyRefused();
        }

        if (PartnerUserRules.MayGrant(admin.Role, role) is { } refused)
        {
            return refused;
        }

        var user = await db.Users.FindAsync([admin.UserId], ct);
        var now = clock.GetUtcNow();
        var secret = ApiKeySecrets.New();
        var key = PartnerApiKey.Issue(
            admin.PartnerId, name, role, secret.LookupId, secret.SecretHash,
            admin.UserId, user?.DisplayName ?? admin.Actor.Name, user?.Email ?? "", now);
        db.PartnerApiKeys.Add(key);
        db.AuditEntries.Add(AuditEntry.For(AuditEventType.ApiKeyCreated, admin.Actor, now, admin.PartnerId, null, null, Describe(key)));
        await db.SaveChangesAsync(ct);
        return new IssuedApiKey(key, secret.Key);
    }

    public static string Describe(PartnerApiKey k) => JsonSerializer.Serialize(new
    {
        apiKey = k.Id,
        name = k.Name,
        role = k.Role.ToString(),
        key = ApiKeySecrets.Display(k.LookupId),
        revokedAt = k.RevokedAt,
    });
}
