namespace Custos.Domain.Transfers;

/// Errors of a transfer request. Those about the entered Partner ID name the field "partnerId".
public sealed record PartnerIdRequired()
    : Error("partner_id_required", "Enter the Partner ID of the partner to transfer to.")
{
    public override string? Field => "partnerId";
}

public sealed record PartnerIdUnknown()
    : Error("partner_id_unknown", "No partner has this Partner ID. Check it with your new partner (it looks like P-1A2B3C4).")
{
    public override string? Field => "partnerId";
}

public sealed record SamePartner()
    : Error("same_partner", "This is the Partner ID of your current partner; enter the ID of the partner to transfer to.")
{
    public override string? Field => "partnerId";
}

public sealed record TargetPartnerInactive()
    : Error("target_partner_inactive", "This partner no longer accepts organizations. Check the Partner ID with your new partner.")
{
    public override string? Field => "partnerId";
}

public sealed record TargetLacksPlanType(Plans.PlanType Type)
    : Error("target_lacks_plan_type", $"This partner does not offer a {Type} plan, so the organization cannot move to it. Ask the partner to offer one, or contact support.")
{
    public override string? Field => "partnerId";
}

public sealed record TransfersRevoked()
    : Error("transfers_revoked", "Transfers to another partner are not available for your organization. Please contact your partner's distributor or Custos support.")
{
    public override string? Field => "partnerId";
}

public sealed record TransferAlreadyOpen()
    : Error("transfer_already_open", "A transfer request for this organization is already open. Cancel it first, or wait for the decision.")
{
    public override string? Field => "partnerId";
}

public sealed record OrganizationCannotTransfer()
    : Error("organization_cannot_transfer", "A deleted organization cannot be transferred.");

public sealed record TransferNotPending(TransferStatus Status)
    : Error("transfer_not_pending", $"The transfer is {Status.ToString().ToLowerInvariant()}; only a pending transfer can be approved or rejected.");

public sealed record TransferNotOpen(TransferStatus Status)
    : Error("transfer_not_open", $"The transfer is {Status.ToString().ToLowerInvariant()}; it can no longer be cancelled.");

public sealed record TransferPastCutOff(DateTimeOffset CutOff)
    : Error("transfer_past_cut_off", $"The transfer takes effect on {CutOff:yyyy-MM-dd} UTC; it can no longer be cancelled.");

public sealed record TransferNotDue()
    : Error("transfer_not_due", "The transfer is not approved or its cut-off date has not come yet.");

public sealed record TransferChangedMeanwhile()
    : Error("transfer_changed_meanwhile", "Someone else decided on this transfer meanwhile; reload and try again.");
