/**
 * A small router: each API area registers `METHOD /path/{param}` routes; a handler gets the parsed
 * request and returns the JSON body of a 200 response, or throws an ApiError.
 */
export interface ApiRequest {
  method: string
  path: string
  params: Record<string, string>
  query: URLSearchParams
  /** The JSON body (an object; `{}` when the request has none). */
  body: Record<string, unknown>
  requestId: string
}

export type Handler = (request: ApiRequest) => unknown

/** A handler result that also sets response headers (handlers usually return just the body). */
export class Reply {
  constructor(
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {}
}

interface Route {
  method: string
  segments: string[]
  handler: Handler
}

/** What an API module needs to register its routes. */
export interface Routes {
  get(pattern: string, handler: Handler): Routes
  post(pattern: string, handler: Handler): Routes
  put(pattern: string, handler: Handler): Routes
  patch(pattern: string, handler: Handler): Routes
  delete(pattern: string, handler: Handler): Routes
}

export class Router implements Routes {
  private readonly routes: Route[] = []

  get(pattern: string, handler: Handler): this {
    return this.add('GET', pattern, handler)
  }

  post(pattern: string, handler: Handler): this {
    return this.add('POST', pattern, handler)
  }

  put(pattern: string, handler: Handler): this {
    return this.add('PUT', pattern, handler)
  }

  patch(pattern: string, handler: Handler): this {
    return this.add('PATCH', pattern, handler)
  }

  delete(pattern: string, handler: Handler): this {
    return this.add('DELETE', pattern, handler)
  }

  /** The same registration methods with a common path prefix, e.g. `/api/2.1/unity-catalog`. */
  under(prefix: string): Routes {
    const scoped: Routes = {
      get: (pattern, handler) => (this.add('GET', prefix + pattern, handler), scoped),
      post: (pattern, handler) => (this.add('POST', prefix + pattern, handler), scoped),
      put: (pattern, handler) => (this.add('PUT', prefix + pattern, handler), scoped),
      patch: (pattern, handler) => (this.add('PATCH', prefix + pattern, handler), scoped),
      delete: (pattern, handler) => (this.add('DELETE', prefix + pattern, handler), scoped),
    }
    return scoped
  }

  /** The handler for a request, its path parameters, and the pattern it matched (`/catalogs/{name}`). */
  match(method: string, path: string): {handler: Handler; params: Record<string, string>; pattern: string} | undefined {
    const segments = path.split('/')
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue
      const params = matchSegments(route.segments, segments)
      if (params) return {handler: route.handler, params, pattern: route.segments.join('/')}
    }
    return undefined
  }

  private add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({method, segments: pattern.split('/'), handler})
    return this
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]
    if (expected.startsWith('{') && expected.endsWith('}')) {
      if (actual[i] === '') return undefined
      try {
        params[expected.slice(1, -1)] = decodeURIComponent(actual[i])
      } catch {
        return undefined
      }
    } else if (expected !== actual[i]) {
      return undefined
    }
  }
  return params
}
