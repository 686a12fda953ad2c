using Custos.Data;
using Custos.Domain;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

public sealed record LoginAccountRow(
    Guid Id, string Email, bool IsOwner, string? MaskedApiToken, DateTimeOffset? ApiTokenCreatedAt,
    DateTimeOffset? LastSignInAt, DateTimeOffset CreatedAt);

/// The Login accounts tab: the owner first, then by creation. Never the token hash.
public sealed class ListLoginAccounts(AppDbContext db)
{
    public async Task<Result<LoginAccountRow[]>> HandleAsync(Scope scope, Guid organizationId, CancellationToken ct)
    {
        if (!await db.InScope(scope).AnyAsync(o => o.Id == organizationId, ct))
        {
            return new NotFound("The organization");
        }

        var rows = await db.LoginAccounts.AsNoTracking()
            .Where(a => a.OrganizationId == organizationId)
            .OrderByDescending(a => a.IsOwner).ThenBy(a => a.CreatedAt).ThenBy(a => a.Id)
            .Select(a => new { a.Id, a.Email, a.IsOwner, a.ApiTokenHint, a.ApiTokenCreatedAt, a.LastSignInAt, a.CreatedAt })
            .ToListAsync(ct);
        return rows
            .Select(a => new LoginAccountRow(a.Id, a.Email, a.IsOwner, LoginAccount.Mask(a.ApiTokenHint), a.ApiTokenCreatedAt, a.LastSignInAt, a.CreatedAt))
            .ToArray();
    }
}
