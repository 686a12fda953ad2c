using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Data.Counting;

/// How many organizations of one partner are in one status, plan type and credential state
/// (PostgreSQL only). The true count of a key is its <see cref="Count"/> plus the sum of its
/// <see cref="OrganizationCountDelta"/> rows not yet rolled up. See README.md beside this file.
public sealed class OrganizationCount
{
    public Guid PartnerId { get; set; }

    public OrganizationStatus Status { get; set; }

    public PlanType PlanType { get; set; }

    public bool CredentialError { get; set; }

    public long Count { get; set; }
}

/// One change to a counter, appended by a trigger in the transaction that changed the organization.
public sealed class OrganizationCountDelta
{
    public long Id { get; set; }

    public Guid PartnerId { get; set; }

    public OrganizationStatus Status { get; set; }

    public PlanType PlanType { get; set; }

    public bool CredentialError { get; set; }

    public int Delta { get; set; }
}
