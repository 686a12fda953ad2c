using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.CustomerPortal;

/// Two-factor authentication of a customer portal account: enrolment with a new shared key, turning
/// it on with a first code, and off with a current code. Wrong codes count towards the lockout, as at
/// sign-in. Turning it on or off ends the account's other sessions (the new session version is returned,
/// so the caller renews its own).
public sealed class CustomerTwoFactor(AppDbContext db, TimeProvider clock, SignInCustomer signIn)
{
    /// The shared key to show while two-factor is off: the pending one, or a new one.
    public async Task<Result<string>> KeyForEnrolmentAsync(Guid accountId, CancellationToken ct)
    {
        var account = await db.LoginAccounts.SingleAsync(a => a.Id == accountId, ct);
        if (account.TwoFactorEnabled)
        {
            return new TwoFactorAlreadyOn();
        }

        if (account.AuthenticatorKey is { } pending)
        {
            return pending;
        }

        var key = TotpCodes.NewKey();
        account.BeginTwoFactor(key);
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error ?? (Result<string>)key;
    }

    public Task<Result<int>> EnableAsync(Guid accountId, Actor actor, string? code, CancellationToken ct) =>
        ChangeAsync(accountId, actor, code, enable: true, ct);

    public Task<Result<int>> DisableAsync(Guid accountId, Actor actor, string? code, CancellationToken ct) =>
        ChangeAsync(accountId, actor, code, enable: false, ct);

    private async Task<Result<int>> ChangeAsync(Guid accountId, Actor actor, string? code, bool enable, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var account = await db.LoginAccounts.SingleAsync(a => a.Id == accountId, ct);
        if (enable == account.TwoFactorEnabled)
        {
            return enable ? new TwoFactorAlreadyOn() : new TwoFactorAlreadyOff();
        }

        var checkedCode = await signIn.CheckCodeAsync(account, code, ct);
        if (checkedCode.Error is not null)
        {
            return checkedCode.Error;
        }

        if (enable)
        {
            account.EnableTwoFactor();
        }
        else
        {
            account.DisableTwoFactor();
        }

        signIn.WriteFailures(account);
        var partnerId = await db.Organizations.Where(o => o.Id == account.OrganizationId).Select(o => o.PartnerId).SingleAsync(ct);
        db.AuditEntries.Add(AuditEntry.For(
            enable ? AuditEventType.CustomerTwoFactorEnabled : AuditEventType.CustomerTwoFactorDisabled,
            actor, now, partnerId, account.OrganizationId, null, JsonSerializer.Serialize(new { loginAccount = account.Id })));
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error ?? (Result<int>)account.SessionVersion;
    }
}

public sealed record TwoFactorAlreadyOff() : Error("two_factor_off", "Two-factor authentication is already off.");
