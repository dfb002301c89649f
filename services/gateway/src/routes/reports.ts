import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  ACTIONS_SHEET,
  type ReportColumn,
  writeListingWorkbook,
  writeReportWorkbook,
} from "@promo/code-files";
import {
  type Action,
  ActionListQuerySchema,
  ActionPageSchema,
  CodeReportSchema,
  PartnerReportSchema,
  type ReportQueryInput,
  ReportQuerySchema,
} from "@promo/contracts";
import {
  type ActionRecord,
  type CodeReportRow,
  findCampaign,
  listActions,
  type MinorUnitsSum,
  type PartnerReportRow,
  type Report,
  type ReportMeasures,
  reportByCode,
  reportByPartner,
} from "@promo/db";
import { DomainError } from "@promo/domain";
import type { Context } from "hono";
import type { GatewayDeps } from "../deps.ts";
import { streamDownload } from "../downloads.ts";
import type { GatewayEnv } from "../env.ts";
import { jsonWithBigInts } from "../json-with-bigints.ts";
import { errorResponses } from "../openapi-helpers.ts";
import { validationHook } from "../validation.ts";

const TAG = ["Reports"];
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DESCRIPTION =
  "Orders placed in [from, to) (by confirmation time) through each group, per currency: orders (confirmed + cancelled since), confirmed, cancelled, revenue and discount of the confirmed orders (minor units), distinct accounts. `format=xlsx` answers the same rows and totals as a spreadsheet (sheets Report and Totals).";

function reportResponses<T>(schema: T) {
  return {
    200: {
      description: "The report",
      content: {
        "application/json": { schema },
        [XLSX_TYPE]: { schema: z.string().openapi({ type: "string", format: "binary" }) },
      },
    },
    ...errorResponses(400, 401, 403, 404),
  };
}

const codeReportRoute = createRoute({
  method: "get",
  path: "/v1/reports/codes",
  operationId: "getCodeReport",
  tags: TAG,
  summary: "Performance by promo code",
  description: DESCRIPTION,
  request: { query: ReportQuerySchema },
  responses: reportResponses(CodeReportSchema),
});

const partnerReportRoute = createRoute({
  method: "get",
  path: "/v1/reports/partners",
  operationId: "getPartnerReport",
  tags: TAG,
  summary: "Performance by partner (the partner credited when each order was confirmed)",
  description: DESCRIPTION,
  request: { query: ReportQuerySchema },
  responses: reportResponses(PartnerReportSchema),
});

const actionListRoute = createRoute({
  method: "get",
  path: "/v1/reports/actions",
  operationId: "getActionReport",
  tags: TAG,
  summary: "Action listing: every confirmed or cancelled redemption whose order was placed in the range",
  description:
    "Oldest first by placement time (confirmedAt), with code, campaign, partner credited, order number, account and amounts (minor units). JSON: one page of `limit` with `nextCursor`; `format=xlsx`: every action of the range as a spreadsheet (sheet Actions).",
  request: { query: ActionListQuerySchema },
  responses: {
    200: {
      description: "The actions",
      content: {
        "application/json": { schema: ActionPageSchema },
        [XLSX_TYPE]: { schema: z.string().openapi({ type: "string", format: "binary" }) },
      },
    },
    ...errorResponses(400, 401, 403, 404),
  },
});

/** Rows per query while an .xlsx listing is written. */
const LISTING_PAGE = 5_000;

/**
 * A partner as a sheet names it: a partner deleted since keeps its credit (docs/api.md "Partners and
 * attribution"), so it is named by its id, apart from the orders no partner drove.
 */
function partnerLabel(row: { partnerId: string | null; partnerName: string | null }): string | null {
  if (row.partnerName !== null) return row.partnerName;
  return row.partnerId === null ? null : `(deleted partner ${row.partnerId})`;
}

const ACTION_COLUMNS: readonly ReportColumn<ActionRecord>[] = [
  { header: "Placed at", value: (row) => row.confirmedAt.toISOString() },
  { header: "Status", value: (row) => row.status },
  { header: "Cancelled at", value: (row) => row.cancelledAt?.toISOString() ?? null },
  { header: "Code", value: (row) => row.code },
  { header: "Campaign", value: (row) => row.campaignName },
  { header: "Partner", value: partnerLabel },
  { header: "Order number", value: (row) => row.orderNumber },
  { header: "Account", value: (row) => row.accountId },
  { header: "Currency", value: (row) => row.currency },
  { header: "Order total (minor units)", value: (row) => row.orderTotal },
  { header: "Discount (minor units)", value: (row) => row.discount },
  { header: "Reservation", value: (row) => row.reservationId },
];

function presentAction(row: ActionRecord): Action {
  return {
    ...row,
    confirmedAt: row.confirmedAt.toISOString(),
    cancelledAt: row.cancelledAt?.toISOString() ?? null,
  };
}

/** How a report's or the action listing's .xlsx over [from, to) is sent: named `name`. */
function xlsxDownload(
  c: Context<GatewayEnv>,
  deps: GatewayDeps,
  download: { kind: "report" | "action_listing"; name: string; from: Date; to: Date },
) {
  const { kind, name, from, to } = download;
  // The day as the merchant wrote it (`2026-11-25T00:00:00+08:00` is the 25th, not the UTC 24th).
  const day = (parameter: "from" | "to", date: Date) =>
    c.req.query(parameter)?.slice(0, 10) ?? date.toISOString().slice(0, 10);
  return {
    what: kind === "report" ? `${name} report` : "action listing",
    method: c.req.method,
    logger: c.get("logger"),
    headers: {
      "content-type": XLSX_TYPE,
      "content-disposition": `attachment; filename="${name}-${day("from", from)}-${day("to", to)}.xlsx"`,
    },
    ...deps.metrics.downloads(kind),
  };
}

/**
 * A sum as a spreadsheet cell: a number, or past 2^53 - 1 its digits as text (a cell's number is a
 * double, which would round it; Excel itself keeps 15 significant digits).
 */
function minorUnitsCell(sum: MinorUnitsSum): number | string {
  return typeof sum === "bigint" ? sum.toString() : sum;
}

const MEASURE_COLUMNS: readonly ReportColumn<ReportMeasures>[] = [
  { header: "Currency", value: (row) => row.currency },
  { header: "Orders", value: (row) => row.orders },
  { header: "Confirmed", value: (row) => row.confirmed },
  { header: "Cancelled", value: (row) => row.cancelled },
  { header: "Revenue (minor units)", value: (row) => minorUnitsCell(row.revenue) },
  { header: "Discount (minor units)", value: (row) => minorUnitsCell(row.discount) },
  { header: "Accounts", value: (row) => row.accounts },
];

const CODE_COLUMNS: readonly ReportColumn<CodeReportRow>[] = [
  { header: "Code", value: (row) => row.code },
  { header: "Campaign", value: (row) => row.campaignName },
  ...MEASURE_COLUMNS,
];

const PARTNER_COLUMNS: readonly ReportColumn<PartnerReportRow>[] = [
  { header: "Partner", value: (row) => partnerLabel(row) ?? "(no partner)" },
  ...MEASURE_COLUMNS,
];

export function reportRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });
  const { pool } = deps.database;

  /**
   * A `campaignId` the store does not have is 404 naming it, as everywhere else: answered, it read as
   * "no sales in this range". (A `partnerId` is taken as given: a deleted partner's redemptions keep
   * its id, and a report on them is still wanted.)
   */
  async function requireCampaignFilter(c: Context<GatewayEnv>, campaignId: string | undefined) {
    if (campaignId === undefined) return;
    const campaign = await findCampaign(deps.database.prisma, c.get("principal").storeId, campaignId);
    if (!campaign) throw new DomainError("NOT_FOUND", { field: "campaignId", id: campaignId });
  }

  function queryOf(c: Context<GatewayEnv>, input: ReportQueryInput) {
    return {
      storeId: c.get("principal").storeId,
      from: input.from,
      to: input.to,
      campaignId: input.campaignId ?? null,
      partnerId: input.partnerId ?? null,
      limit: input.limit,
    };
  }

  function answer<Row>(
    c: Context<GatewayEnv>,
    input: ReportQueryInput,
    report: Report<Row>,
    columns: readonly ReportColumn<Row>[],
    name: string,
  ) {
    // Sums past 2^53 - 1 are bigints, written with every digit (jsonWithBigInts).
    if (input.format === "json")
      return c.body(
        jsonWithBigInts({ from: input.from.toISOString(), to: input.to.toISOString(), ...report }),
        200,
        { "content-type": "application/json" },
      );
    return streamDownload(
      ({ output }) =>
        writeReportWorkbook(output, {
          columns,
          rows: report.rows,
          totalColumns: MEASURE_COLUMNS,
          totals: report.totals,
          truncated: report.truncated,
        }),
      xlsxDownload(c, deps, { kind: "report", name, from: input.from, to: input.to }),
    );
  }

  app.openapi(codeReportRoute, async (c) => {
    const input = c.req.valid("query");
    await requireCampaignFilter(c, input.campaignId);
    const report = await reportByCode(pool, queryOf(c, input));
    return answer(c, input, report, CODE_COLUMNS, "codes");
  });

  app.openapi(partnerReportRoute, async (c) => {
    const input = c.req.valid("query");
    await requireCampaignFilter(c, input.campaignId);
    const report = await reportByPartner(pool, queryOf(c, input));
    return answer(c, input, report, PARTNER_COLUMNS, "partners");
  });

  app.openapi(actionListRoute, async (c) => {
    const input = c.req.valid("query");
    await requireCampaignFilter(c, input.campaignId);
    const query = {
      storeId: c.get("principal").storeId,
      from: input.from,
      to: input.to,
      campaignId: input.campaignId ?? null,
      partnerId: input.partnerId ?? null,
    };
    if (input.format === "json") {
      const page = await listActions(pool, {
        ...query,
        limit: input.limit,
        ...(input.cursor === undefined ? {} : { cursor: input.cursor }),
      });
      if (!page)
        throw new DomainError("VALIDATION_ERROR", {
          fields: [{ path: "cursor", message: "unknown cursor" }],
        });
      return c.json(
        {
          from: input.from.toISOString(),
          to: input.to.toISOString(),
          items: page.items.map(presentAction),
          nextCursor: page.nextCursor,
        },
        200,
      );
    }
    // An .xlsx holds every action of the range: a page's limit or cursor would be ignored.
    const paging = (["limit", "cursor"] as const).filter((name) => c.req.query(name));
    if (paging.length > 0)
      throw new DomainError("VALIDATION_ERROR", {
        fields: paging.map((path) => ({
          path,
          message: "is for format=json pages: an .xlsx holds every action of the range",
        })),
      });
    return streamDownload(
      async ({ output, room }) => {
        async function* pages() {
          let cursor: string | undefined;
          do {
            const page = await listActions(pool, {
              ...query,
              limit: LISTING_PAGE,
              ...(cursor === undefined ? {} : { cursor }),
            });
            if (!page) return;
            yield page.items;
            cursor = page.nextCursor ?? undefined;
          } while (cursor !== undefined && (await room()));
        }
        await writeListingWorkbook(output, { sheet: ACTIONS_SHEET, columns: ACTION_COLUMNS, pages: pages() });
      },
      xlsxDownload(c, deps, { kind: "action_listing", name: "actions", from: input.from, to: input.to }),
    );
  });

  return app;
}
