using System.Text.Json;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.CustomerPortal;

/// Who signed in to the customer portal; <see cref="NeedsCode"/> when two-factor authentication
/// still has to be passed before the session opens.
public sealed record CustomerSignedIn(Guid AccountId, Guid OrganizationId, int SessionVersion, bool NeedsCode);

/// Customer portal sign-in: the password, then (when on) a code from the authenticator app.
/// Five wrong passwords or codes lock the account for 15 minutes. Suspended and Deleted
/// organizations refuse the sign-in, told only after the right password.
public sealed class SignInCustomer(AppDbContext db, TimeProvider clock)
{
    internal static readonly PasswordHasher<LoginAccount> Hasher = new();

    // Checked when no account matches, so an unknown email costs the same time as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(null!, "Not-a-password-0");

    public async Task<Result<CustomerSignedIn>> WithPasswordAsync(string? email, string? password, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var key = TextKey.Email(email ?? "");
        if (key.Length is 0 or > OrganizationLimits.MaxEmailLength || TextKey.HasControlCharacters(key)
            || string.IsNullOrEmpty(password) || password.Length > CustomerSignIns.MaxPasswordLength)
        {
            return new WrongCredentials();
        }

        // One email may be the owner of one organization and a mailbox of others: the owner's
        // account first, then the oldest. Every account with a password is tried.
        var candidates = await db.LoginAccounts
            .Where(a => a.EmailNormalized == key && a.PasswordHash != null
                && db.Organizations.Any(o => o.Id == a.OrganizationId && o.Status != OrganizationStatus.Deleted))
            .OrderByDescending(a => a.IsOwner).ThenBy(a => a.CreatedAt)
            .Take(10)
            .ToListAsync(ct);
        if (candidates.Count == 0)
        {
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            return new WrongCredentials();
        }

        var open = candidates.Where(a => !a.IsLockedOut(now)).ToList();
        if (open.Count == 0)
        {
            return new CustomerLockedOut();
        }

        var match = open.FirstOrDefault(a => Hasher.VerifyHashedPassword(a, a.PasswordHash!, password) != PasswordVerificationResult.Failed);
        if (match is null)
        {
            var locked = 0;
            foreach (var account in open)
            {
                locked += await RecordFailureAsync(account.Id, ct) ? 1 : 0;
            }

            return locked == open.Count ? new CustomerLockedOut() : new WrongCredentials();
        }

        var status = await db.Organizations.Where(o => o.Id == match.OrganizationId).Select(o => o.Status).SingleAsync(ct);
        if (CustomerSignIns.WhyNot(status) is { } refused)
        {
            return refused;
        }

        if (match.TwoFactorEnabled)
        {
            return new CustomerSignedIn(match.Id, match.OrganizationId, match.SessionVersion, NeedsCode: true);
        }

        match.RecordSignIn(now);
        WriteFailures(match);
        await db.SaveChangesAsync(ct);
        return new CustomerSignedIn(match.Id, match.OrganizationId, match.SessionVersion, NeedsCode: false);
    }

    /// The second step: a current code from the authenticator app of the account that passed the
    /// password step (<paramref name="sessionVersion"/>: as it was then; a password or two-factor
    /// change since then ends the half-finished sign-in).
    public async Task<Result<CustomerSignedIn>> WithCodeAsync(Guid accountId, int sessionVersion, string? code, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var account = await db.LoginAccounts.SingleOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null || account.SessionVersion != sessionVersion || !account.TwoFactorEnabled || account.AuthenticatorKey is null)
        {
            return new SignInTimedOut();
        }

        if (account.IsLockedOut(now))
        {
            return new CustomerLockedOut();
        }

        var status = await db.Organizations.Where(o => o.Id == account.OrganizationId).Select(o => o.Status).SingleAsync(ct);
        if (CustomerSignIns.WhyNot(status) is { } refused)
        {
            return refused;
        }

        var checkedCode = await CheckCodeAsync(account, code, ct);
        if (checkedCode.Error is not null)
        {
            return checkedCode.Error;
        }

        account.RecordSignIn(now);
        WriteFailures(account);
        await db.SaveChangesAsync(ct);
        return new CustomerSignedIn(account.Id, account.OrganizationId, account.SessionVersion, NeedsCode: false);
    }

    /// Checks a code against the account's key (tracked, not saved): a wrong code counts towards
    /// the lockout, a code already used is refused.
    internal async Task<Result> CheckCodeAsync(LoginAccount account, string? code, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (account.IsLockedOut(now))
        {
            return new CustomerLockedOut();
        }

        var step = code is { Length: 6 } && account.AuthenticatorKey is { } key ? TotpCodes.StepOf(key, code, now) : null;
        if (step is null)
        {
            return await RecordFailureAsync(account.Id, ct) ? new CustomerLockedOut() : new WrongCode();
        }

        return account.AcceptCode(step.Value);
    }

    /// Failures are counted in the database (<see cref="RecordFailureAsync"/>), past the loaded
    /// entity: a success writes its reset count even when the loaded value looked the same.
    internal void WriteFailures(LoginAccount account) => db.Entry(account).Property(a => a.FailedSignIns).IsModified = true;

    /// Counts one failure in the database itself (an atomic increment, so parallel guesses are all
    /// counted) and locks the account at the limit. True when the account is now locked.
    internal async Task<bool> RecordFailureAsync(Guid accountId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await db.LoginAccounts.Where(a => a.Id == accountId)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.FailedSignIns, a => a.FailedSignIns + 1), ct);
        var until = now + CustomerSignIns.Lockout;
        var locked = await db.LoginAccounts.Where(a => a.Id == accountId && a.FailedSignIns >= CustomerSignIns.MaxFailures)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.LockedUntil, until).SetProperty(a => a.FailedSignIns, 0), ct);
        if (locked > 0)
        {
            var account = await db.LoginAccounts.AsNoTracking().SingleAsync(a => a.Id == accountId, ct);
            var partnerId = await db.Organizations.Where(o => o.Id == account.OrganizationId).Select(o => o.PartnerId).SingleAsync(ct);
            db.AuditEntries.Add(AuditEntry.For(AuditEventType.CustomerLockedOut, CustomerActors.Of(account), now, partnerId, account.OrganizationId,
                null, JsonSerializer.Serialize(new { loginAccount = account.Id, lockedUntil = until })));
            await db.SaveChangesAsync(ct);
        }

        return locked > 0;
    }
}
