package io.kiban.server.web;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Renders every error of the MVC routes in OpenAI's error shape, like the gateway does. */
@RestControllerAdvice
public class ApiErrorAdvice {
    private static final System.Logger LOG = System.getLogger(ApiErrorAdvice.class.getName());

    @ExceptionHandler(ApiException.class)
    public void api(ApiException e, HttpServletResponse res) throws IOException {
        write(res, e.error());
    }

    @ExceptionHandler(NoResourceFoundException.class)
    public void notFound(NoResourceFoundException e, HttpServletResponse res) throws IOException {
        write(res, new ApiError.NotFound("Unknown URL /" + e.getResourcePath()
                + ". The OpenAI-compatible API is under /v1 (see the README).", null, "unknown_url"));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    public void method(HttpRequestMethodNotSupportedException e, HttpServletResponse res) throws IOException {
        write(res, new ApiError.MethodNotAllowed("Method " + e.getMethod() + " is not allowed here; use "
                + String.join(" or ", e.getSupportedMethods() == null ? new String[] {"another method"} : e.getSupportedMethods()) + "."));
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    public void unreadable(HttpMessageNotReadableException e, HttpServletResponse res) throws IOException {
        write(res, new ApiError.InvalidRequest("We could not parse the JSON body of your request. Send a valid JSON object "
                + "with Content-Type: application/json.", null, "invalid_json"));
    }

    @ExceptionHandler({MissingServletRequestParameterException.class, MethodArgumentTypeMismatchException.class})
    public void badParam(Exception e, HttpServletResponse res) throws IOException {
        String param = e instanceof MissingServletRequestParameterException m ? m.getParameterName()
                : ((MethodArgumentTypeMismatchException) e).getName();
        write(res, ApiError.invalidParam(param, "Invalid or missing parameter '" + param + "'."));
    }

    @ExceptionHandler(Exception.class)
    public void other(Exception e, HttpServletResponse res) throws IOException {
        LOG.log(System.Logger.Level.ERROR, "request failed", e);
        write(res, new ApiError.Internal("Kiban failed to handle the request."));
    }

    static void write(HttpServletResponse res, ApiError error) throws IOException {
        byte[] body = ApiError.envelope(error);
        res.setStatus(ApiError.status(error));
        res.setContentType("application/json");
        long retry = ApiError.retryAfterSeconds(error);
        if (retry > 0) {
            res.setHeader("Retry-After", Long.toString(retry));
        }
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }
}
