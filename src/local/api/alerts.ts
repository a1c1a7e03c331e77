/**
 * The SQL Alerts API of Databricks SQL, the current one (`/api/2.0/alerts`, AlertsV2 in the SDKs).
 *
 * Wire shape (databricks-sdk-go service/sql model.go and impl.go, AlertV2*; databricks-sdk-py
 * service/sql.py; the Databricks CLI's test server libs/testserver/alerts.go):
 * - POST `/api/2.0/alerts`, body = the alert itself (not wrapped): `display_name`, `query_text`,
 *   `warehouse_id`, `evaluation` {`source` {name, aggregation?, display?}, `comparison_operator`
 *   (EQUAL, NOT_EQUAL, GREATER_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN, LESS_THAN_OR_EQUAL, IS_NULL,
 *   IS_NOT_NULL), `threshold` {value {double_value | string_value | bool_value} | column},
 *   `empty_result_state`, `notification` {notify_on_ok, retrigger_seconds, subscriptions[]
 *   {destination_id | user_email}}}, `schedule` {`quartz_cron_schedule`, `timezone_id`, pause_status},
 *   optional `custom_summary`, `custom_description`, `parent_path` (create only), `run_as`. Answers the
 *   AlertV2 with `id`, `lifecycle_state` ACTIVE, `owner_user_name`, `create_time`/`update_time` (RFC
 *   3339 strings) and the output-only `evaluation.state` (UNKNOWN, OK, TRIGGERED, ERROR) and
 *   `evaluation.last_evaluated_at`.
 * - GET `/api/2.0/alerts?page_size&page_token` -> `{results[], next_page_token}` ordered by creation
 *   time (early API versions answered the list under `alerts`); GET `/api/2.0/alerts/{id}`.
 * - PATCH `/api/2.0/alerts/{id}?update_mask=a,b.c` (or `*`), body = the alert; DELETE
 *   `/api/2.0/alerts/{id}` moves it to the trash (`{}`).
 * Not `/api/2.0/sql/alerts` (AlertsAPI: alerts over a saved query, `query_id` + `condition`, no schedule
 * of their own) nor `/api/2.0/preview/sql/alerts` (legacy: `options` {column, op, value}).
 * [unverified]: the page size bounds, the 409 on a display name already used in the same folder, and
 * the exact error of an update_mask naming parent_path.
 */
import {integerQuery} from '../http/input.js'
import {invalidParameter} from '../http/errors.js'
import type {Routes} from '../http/router.js'
import type {LocalServices} from '../services.js'

const DEFAULT_PAGE_SIZE = 20
const MAX_PAGE_SIZE = 100

export function registerAlertRoutes(routes: Routes, services: LocalServices): void {
  const {alerts} = services
  routes
    .post('', ({body}) => alerts.create(body))
    .get('', ({query}) => {
      const size = integerQuery(query, 'page_size') ?? DEFAULT_PAGE_SIZE
      if (size < 0) throw invalidParameter(`page_size must not be negative, got ${size}.`)
      const token = query.get('page_token')
      const start = token ? Number(token) : 0
      if (!Number.isSafeInteger(start) || start < 0) throw invalidParameter(`Invalid page_token: '${token}'.`)
      const all = alerts.list()
      const end = start + Math.min(size || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
      return {results: all.slice(start, end), ...(end < all.length ? {next_page_token: String(end)} : {})}
    })
    .get('/{id}', ({params}) => alerts.get(params.id))
    .patch('/{id}', ({params, query, body}) => alerts.update(params.id, query.get('update_mask'), body))
    .delete('/{id}', ({params}) => {
      alerts.trash(params.id)
      return {}
    })
}
