using System.Text.Json;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Organizations;

/// Who asks for a change to which organization. <see cref="ExpectedVersion"/> is the version the
/// caller last saw (a form's hidden field, an API If-Match); when given, a newer organization refuses the change.
public sealed record OrganizationCommand(Scope Scope, Actor Actor, Guid OrganizationId, int? ExpectedVersion = null);

/// The shared path of every command on one organization: load it inside the caller's scope, let the
/// domain decide, then save the change, its history row and its audit entry in one SaveChangesAsync.
/// Conflicts come back as typed errors, never as exceptions.
public sealed class OrganizationCommands(AppDbContext db, TimeProvider clock)
{
    /// <paramref name="beforeSave"/> runs after a successful change, before the save, to add what
    /// belongs in the same transaction (e.g. the change's notices in the outbox).
    public async Task<Result<T>> RunAsync<T>(
        OrganizationCommand command, AuditEventType eventType, Func<Organization, DateTimeOffset, Result<T>> change, CancellationToken ct,
        Func<Organization, T, CancellationToken, Task>? beforeSave = null)
    {
        var now = clock.GetUtcNow();
        var org = await db.FindForChangeAsync(command.Scope, command.OrganizationId, now, ct);
        if (org is null)
        {
            return new NotFound("The organization");
        }

        if (command.ExpectedVersion is { } expected && expected != org.Version)
        {
            return new ConcurrentChange();
        }

        var before = Snapshot(org);
        var result = change(org, now);
        if (result.Error is not null)
        {
            return result.Error;
        }

        db.AuditEntries.Add(AuditEntry.For(eventType, command.Actor, now, org.PartnerId, org.Id, before, Snapshot(org)));
        if (beforeSave is not null)
        {
            await beforeSave(org, result.Value!, ct);
        }

        var saved = await SaveAsync(db, ct);
        return saved.Error ?? (Result<T>)result.Value!;
    }

    public async Task<Result> RunAsync(
        OrganizationCommand command, AuditEventType eventType, Func<Organization, DateTimeOffset, Result> change, CancellationToken ct,
        Func<Organization, CancellationToken, Task>? beforeSave = null)
    {
        var result = await RunAsync<bool>(command, eventType, (o, now) =>
        {
            var r = change(o, now);
            return r.Error is null ? true : r.Error;
        }, ct, beforeSave is null ? null : (o, _, c) => beforeSave(o, c));
        return result.Error is null ? Result.Ok : result.Error;
    }

    /// Saves and turns the two expected database conflicts into typed errors: a lost race on the
    /// concurrency token, and a unique index that another organization took first.
    public static async Task<Result> SaveAsync(AppDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return Result.Ok;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new ConcurrentChange();
        }
        catch (DbUpdateException e) when (DbErrors.UniqueIndexViolated(e) is { } index)
        {
            db.ChangeTracker.Clear();
            return index switch
            {
                AppDbContext.EmailUniqueIndex => new EmailTaken(),
                AppDbContext.NameUniqueIndex => new NameTaken(),
                _ => new ConcurrentChange(),
            };
        }
    }

    public static string Snapshot(Organization o) => JsonSerializer.Serialize(new
    {
        status = o.Status.ToString(),
        planId = o.PlanId,
        planType = o.PlanType.ToString(),
        o.Seats,
        o.AutoLicense,
        o.Name,
        email = o.OwnerEmail,
        firstName = o.OwnerFirstName,
        lastName = o.OwnerLastName,
        o.Country,
        o.PurgeDueAt,
        o.BillingEndsAt,
        o.WormEnabled,
        o.DpoEnabled,
        pendingDpoAction = o.PendingDpoAction.ToString(),
        o.DownloadLimitGb,
        o.BackupRunsPerDay,
        o.AdGroupBackupEnabled,
        o.InsightsEnabled,
        o.ComplianceEnabled,
        o.InPlaceArchiveBackupEnabled,
        o.PrivateChatBackupEnabled,
        o.Version,
    });
}
