using System.Text.Json;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// The token is returned here once; the database keeps only its hash.
public sealed record IssuedApiToken(Guid LoginAccountId, string Email, string Token, string Masked);

/// Gives a login account a new API token; its previous token stops working at once. Refused for a
/// Deleted organization. Audited with the masked tokens only.
public sealed class RegenerateApiToken(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<IssuedApiToken>> HandleAsync(OrganizationCommand command, Guid loginAccountId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var org = await db.InScope(command.Scope).SingleOrDefaultAsync(o => o.Id == command.OrganizationId, ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        var account = await db.LoginAccounts.SingleOrDefaultAsync(a => a.Id == loginAccountId && a.OrganizationId == org.Id, ct);
        if (account is null)
        {
            return new NotFound("The login account");
        }

        var before = Describe(account);
        var token = ApiTokens.New();
        var issued = account.IssueApiToken(org, ApiTokens.Hash(token), ApiTokens.Hint(token), now);
        if (issued.Error is not null)
        {
            return issued.Error;
        }

        db.AuditEntries.Add(AuditEntry.For(AuditEventType.ApiTokenRegenerated, command.Actor, now, org.PartnerId, org.Id, before, Describe(account)));
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error ?? (Result<IssuedApiToken>)new IssuedApiToken(account.Id, account.Email, token, account.MaskedApiToken!);
    }

    private static string Describe(LoginAccount a) =>
        JsonSerializer.Serialize(new { loginAccount = a.Id, email = a.Email, apiToken = a.MaskedApiToken });
}
